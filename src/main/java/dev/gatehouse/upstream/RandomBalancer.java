package dev.gatehouse.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** A random endpoint, with probability proportional to its weight. */
public final class RandomBalancer implements Balancer {

    @Override
    public @Nullable Endpoint pick(List<Endpoint> endpoints, PickContext context) {
        int total = 0;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (!e.equals(context.avoid()) || endpoints.size() == 1) {
                total += e.weight();
            }
        }
        int r = ThreadLocalRandom.current().nextInt(total);
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (e.equals(context.avoid()) && endpoints.size() > 1) {
                continue;
            }
            r -= e.weight();
            if (r < 0) {
                return e;
            }
        }
        return endpoints.get(endpoints.size() - 1);
    }
}
