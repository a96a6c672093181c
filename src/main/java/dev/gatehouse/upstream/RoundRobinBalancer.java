package dev.gatehouse.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Each endpoint in turn, ignoring weights. */
public final class RoundRobinBalancer implements Balancer {

    private final AtomicInteger next = new AtomicInteger();

    @Override
    public @Nullable Endpoint pick(List<Endpoint> endpoints, PickContext context) {
        int size = endpoints.size();
        Endpoint chosen = endpoints.get(Math.floorMod(next.getAndIncrement(), size));
        if (chosen.equals(context.avoid()) && size > 1) {
            chosen = endpoints.get(Math.floorMod(next.getAndIncrement(), size));
        }
        return chosen;
    }
}
