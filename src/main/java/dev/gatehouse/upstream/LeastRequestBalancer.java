package dev.gatehouse.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Envoy's least-request: two endpoints chosen at random, the one with fewer requests in flight per unit of
 * weight wins. Nearly as good as scanning all, at a constant cost, and without herding on one idle target.
 */
public final class LeastRequestBalancer implements Balancer {

    @Override
    public @Nullable Endpoint pick(List<Endpoint> endpoints, PickContext context) {
        int n = endpoints.size();
        if (n == 1) {
            return endpoints.get(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        Endpoint a = endpoints.get(i);
        Endpoint b = endpoints.get(j);
        if (a.equals(context.avoid())) {
            return b;
        }
        if (b.equals(context.avoid())) {
            return a;
        }
        long costA = (long) a.state().inFlight() * b.weight();
        long costB = (long) b.state().inFlight() * a.weight();
        if (costA == costB) {
            return random.nextBoolean() ? a : b;
        }
        return costA < costB ? a : b;
    }
}
