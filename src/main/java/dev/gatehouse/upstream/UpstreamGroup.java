package dev.gatehouse.upstream;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The endpoints of one upstream, its balancer and its keep-alive policy. Immutable but for balancer state.
 *
 * @param maxIdlePerTarget idle connections kept per target and per event loop
 * @param idleTimeout how long an idle connection is kept
 */
public record UpstreamGroup(String name, List<Endpoint> endpoints, Balancer balancer, int maxIdlePerTarget,
        Duration idleTimeout) {

    public UpstreamGroup {
        endpoints = List.copyOf(endpoints);
    }

    public @Nullable Endpoint pick(PickContext context) {
        return endpoints.isEmpty() ? null : balancer.pick(endpoints, context);
    }
}
