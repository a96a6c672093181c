package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BalancerTest {

    private static List<Endpoint> endpoints(int... weights) {
        List<Endpoint> out = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            out.add(new Endpoint(i, InetSocketAddress.createUnresolved("10.0.0." + i, 80), "t" + i, weights[i]));
        }
        return out;
    }

    @Test
    void smoothWeightedRoundRobinInterleaves() {
        List<Endpoint> e = endpoints(5, 1, 1);
        Balancer b = new WeightedRoundRobinBalancer(3);
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            order.append(b.pick(e, PickContext.FIRST).authority()).append(' ');
        }
        // nginx's documented sequence for weights 5,1,1
        assertThat(order.toString().trim()).isEqualTo("t0 t0 t1 t0 t2 t0 t0");
    }

    @Test
    void weightedDistributionIsExactOverWholeCycles() {
        List<Endpoint> e = endpoints(3, 1, 2);
        Balancer b = new WeightedRoundRobinBalancer(3);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 600; i++) {
            counts.merge(b.pick(e, PickContext.FIRST).authority(), 1, Integer::sum);
        }
        assertThat(counts).containsEntry("t0", 300).containsEntry("t1", 100).containsEntry("t2", 200);
    }

    @Test
    void roundRobinTakesTurnsAndAvoidsTheFailedTarget() {
        List<Endpoint> e = endpoints(1, 1, 1);
        Balancer b = new RoundRobinBalancer();
        assertThat(List.of(b.pick(e, PickContext.FIRST), b.pick(e, PickContext.FIRST), b.pick(e, PickContext.FIRST)))
                .containsExactlyElementsOf(e);
        for (int i = 0; i < 10; i++) {
            assertThat(b.pick(e, new PickContext(e.get(1), 2))).isNotEqualTo(e.get(1));
            assertThat(new WeightedRoundRobinBalancer(3).pick(e, new PickContext(e.get(0), 2))).isNotEqualTo(e.get(0));
        }
    }
}
