package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BalancerTest {

    private final EndpointRegistry registry = new EndpointRegistry();

    private int groups;

    /** Endpoints of a new upstream (fresh state: no requests in flight). */
    private List<Endpoint> endpoints(int... weights) {
        groups++;
        List<Endpoint> out = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            out.add(endpoint(i, "t" + i, weights[i]));
        }
        return out;
    }

    private Endpoint endpoint(int index, String authority, int weight) {
        return new Endpoint(index, InetSocketAddress.createUnresolved(authority, 80), authority, weight, false,
                registry.state("u" + groups, authority));
    }

    private static Map<String, Integer> count(Balancer b, List<Endpoint> e, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(b.pick(e, PickContext.FIRST).authority(), 1, Integer::sum);
        }
        return counts;
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
        assertThat(count(new WeightedRoundRobinBalancer(3), endpoints(3, 1, 2), 600))
                .containsEntry("t0", 300).containsEntry("t1", 100).containsEntry("t2", 200);
    }

    @Test
    void roundRobinTakesTurnsAndAvoidsTheFailedTarget() {
        List<Endpoint> e = endpoints(1, 1, 1);
        Balancer b = new RoundRobinBalancer();
        assertThat(List.of(b.pick(e, PickContext.FIRST), b.pick(e, PickContext.FIRST), b.pick(e, PickContext.FIRST)))
                .containsExactlyElementsOf(e);
        for (Balancer any : List.of(b, new WeightedRoundRobinBalancer(3), new LeastConnectionsBalancer(),
                new LeastRequestBalancer(), new RandomBalancer(), new ConsistentHashBalancer(e))) {
            for (int i = 0; i < 20; i++) {
                assertThat(any.pick(e, new PickContext(e.get(1), 2, "key" + i))).isNotEqualTo(e.get(1));
            }
        }
    }

    @Test
    void randomFollowsWeightsWithinTwoPercent() {
        Map<String, Integer> counts = count(new RandomBalancer(), endpoints(1, 3), 40_000);
        assertThat(counts.get("t1") / 40_000.0).isCloseTo(0.75, within(0.02));
    }

    @Test
    void leastConnectionsPrefersFewestInFlightPerWeight() {
        List<Endpoint> e = endpoints(1, 2, 1);
        for (int i = 0; i < 4; i++) {
            e.get(0).state().requestStarted();
        }
        for (int i = 0; i < 4; i++) {
            e.get(1).state().requestStarted();
        }
        for (int i = 0; i < 3; i++) {
            e.get(2).state().requestStarted();
        }
        // in-flight per weight: 4, 2, 3
        assertThat(new LeastConnectionsBalancer().pick(e, PickContext.FIRST)).isEqualTo(e.get(1));
        // idle upstream: ties rotate
        assertThat(count(new LeastConnectionsBalancer(), endpoints(1, 1, 1), 300).values())
                .allSatisfy(n -> assertThat(n).isEqualTo(100));
    }

    @Test
    void leastRequestSteersAwayFromBusyTargets() {
        List<Endpoint> e = endpoints(1, 1, 1, 1);
        for (int i = 0; i < 10; i++) {
            e.get(3).state().requestStarted();
        }
        Map<String, Integer> counts = count(new LeastRequestBalancer(), e, 12_000);
        // the busy target loses every pair it is drawn into
        assertThat(counts.getOrDefault("t3", 0)).isZero();
        for (String idle : List.of("t0", "t1", "t2")) {
            assertThat(counts.get(idle) / 12_000.0).isCloseTo(1 / 3.0, within(0.03));
        }
    }

    @Test
    void consistentHashSpreadsKeysAndRemapsAboutOneNthOnRemoval() {
        List<Endpoint> five = endpoints(1, 1, 1, 1, 1);
        ConsistentHashBalancer ring5 = new ConsistentHashBalancer(five);
        List<Endpoint> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // the same targets at new positions: the ring depends on addresses, not indexes
            four.add(endpoint(i, five.get(i).authority(), 1));
        }
        ConsistentHashBalancer ring4 = new ConsistentHashBalancer(four);
        int keys = 20_000;
        int moved = 0;
        Map<String, Integer> spread = new HashMap<>();
        for (int k = 0; k < keys; k++) {
            PickContext ctx = new PickContext(null, 1, "user-" + k);
            String before = ring5.pick(five, ctx).authority();
            String after = ring4.pick(four, ctx).authority();
            spread.merge(before, 1, Integer::sum);
            if (!before.equals(after)) {
                moved++;
                // only keys of the removed target move
                assertThat(before).isEqualTo("t4");
            }
            assertThat(ring5.pick(five, ctx).authority()).isEqualTo(before);
        }
        // 1/N = 20 %: allow the ring's imbalance on top
        assertThat(moved / (double) keys).isBetween(0.12, 0.28);
        // each target holds 20 % +- 6 % of the keys
        assertThat(spread.values()).allSatisfy(n -> assertThat(n / (double) keys).isCloseTo(0.2, within(0.06)));
    }

    @Test
    void consistentHashSkipsUnavailableTargetsWithoutMovingOthers() {
        List<Endpoint> e = endpoints(1, 1, 1);
        ConsistentHashBalancer ring = new ConsistentHashBalancer(e);
        List<Endpoint> withoutFirst = e.subList(1, 3);
        for (int k = 0; k < 2000; k++) {
            PickContext ctx = new PickContext(null, 1, "k" + k);
            Endpoint all = ring.pick(e, ctx);
            Endpoint some = ring.pick(withoutFirst, ctx);
            if (!all.equals(e.get(0))) {
                assertThat(some).isEqualTo(all);
            }
        }
    }
}
