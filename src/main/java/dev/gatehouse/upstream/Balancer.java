package dev.gatehouse.upstream;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the endpoint of the next request. Implementations are shared by every event loop, so they are
 * thread-safe, and cheap: they run once per request.
 */
public interface Balancer {

    /**
     * Picks one of {@code endpoints} (never empty); avoids {@code context.avoid()} when another exists.
     *
     * @return the chosen endpoint, or null when none can take the request
     */
    @Nullable Endpoint pick(List<Endpoint> endpoints, PickContext context);
}
