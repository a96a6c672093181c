package dev.gatehouse.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The endpoint with the fewest requests in flight per unit of weight (nginx's weighted least_conn); ties go
 * round-robin so that an idle upstream still spreads its load.
 */
public final class LeastConnectionsBalancer implements Balancer {

    private final AtomicInteger rotation = new AtomicInteger();

    @Override
    public @Nullable Endpoint pick(List<Endpoint> endpoints, PickContext context) {
        int n = endpoints.size();
        int start = Math.floorMod(rotation.getAndIncrement(), n);
        Endpoint best = null;
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get((start + i) % n);
            if (e.equals(context.avoid()) && n > 1) {
                continue;
            }
            // compare inFlight/weight without division: a.in * b.w < b.in * a.w
            if (best == null || (long) e.state().inFlight() * best.weight()
                    < (long) best.state().inFlight() * e.weight()) {
                best = e;
            }
        }
        return best;
    }
}
