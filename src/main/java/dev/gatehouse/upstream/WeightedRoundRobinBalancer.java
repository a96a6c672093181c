package dev.gatehouse.upstream;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * nginx's smooth weighted round-robin: each pick adds every endpoint's weight to its current weight, takes
 * the largest, and subtracts the total from it. Weights 5,1,1 give a,a,b,a,c,a,a rather than bursts.
 */
public final class WeightedRoundRobinBalancer implements Balancer {

    // guarded by this; indexed by Endpoint.index()
    private final int[] current;

    public WeightedRoundRobinBalancer(int endpointCount) {
        this.current = new int[endpointCount];
    }

    @Override
    public synchronized @Nullable Endpoint pick(List<Endpoint> endpoints, PickContext context) {
        Endpoint best = null;
        int total = 0;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (e.equals(context.avoid()) && endpoints.size() > 1) {
                continue;
            }
            current[e.index()] += e.weight();
            total += e.weight();
            if (best == null || current[e.index()] > current[best.index()]) {
                best = e;
            }
        }
        if (best != null) {
            current[best.index()] -= total;
        }
        return best;
    }
}
