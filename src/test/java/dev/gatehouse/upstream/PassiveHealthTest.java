package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestConfigs;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Passive health checks, outlier detection, backups and on_all_unhealthy over real sockets. */
class PassiveHealthTest {



    private static Map<Integer, Integer> statuses(Gateway gw, int n) throws Exception {
        Map<Integer, Integer> out = new HashMap<>();
        for (int i = 0; i < n; i++) {
            out.merge(gw.get("/x").statusCode(), 1, Integer::sum);
        }
        return out;
    }

    @Test
    void maxFailsTakesADeadTargetOutOfRotation() throws Exception {
        int dead = TestConfigs.closedPort();
        try (TestBackend good = new TestBackend("good"); Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: %s }, { address: "127.0.0.1:%d" }]
                  health_checks: { passive: { max_fails: 1, fail_timeout: 30s } }
                """.formatted(good.address(), dead)))) {
            Map<Integer, Integer> s = statuses(gw, 30);
            // one request finds out, the rest go to the live target
            assertThat(s.getOrDefault(502, 0)).isEqualTo(1);
            assertThat(s.get(200)).isEqualTo(29);
            List<UpstreamGroup.TargetHealth> health = gw.instance().upstreamHealth("u");
            assertThat(health).filteredOn(h -> h.address().endsWith(":" + dead)).singleElement()
                    .satisfies(h -> {
                        assertThat(h.available()).isFalse();
                        assertThat(h.lastEjectionReason()).contains("max_fails");
                        assertThat(h.ejectedForMillis()).isBetween(1L, 30_000L);
                    });
        }
    }

    @Test
    void outlierDetectionEjectsATargetAnsweringConsecutive5xx() throws Exception {
        try (TestBackend good = new TestBackend("good"); TestBackend bad = new TestBackend("bad")) {
            bad.handle("/", ex -> {
                ex.sendResponseHeaders(500, -1);
                ex.close();
            });
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                    - name: u
                      targets: [{ address: %s }, { address: %s }]
                      health_checks:
                        outlier: { consecutive_5xx: 3, base_ejection_time: 30s, max_ejection_percent: 50 }
                    """.formatted(good.address(), bad.address())))) {
                Map<Integer, Integer> s = statuses(gw, 40);
                assertThat(s.getOrDefault(500, 0)).isEqualTo(3);
                assertThat(s.get(200)).isEqualTo(37);
                assertThat(gw.instance().upstreamHealth("u")).filteredOn(h -> !h.available()).singleElement()
                        .satisfies(h -> assertThat(h.ejections()).isEqualTo(1));
            }
        }
    }

    @Test
    void maxEjectionPercentKeepsTheLastTargetsInRotation() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b")) {
            for (TestBackend t : List.of(a, b)) {
                t.handle("/", ex -> {
                    ex.sendResponseHeaders(503, -1);
                    ex.close();
                });
            }
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                    - name: u
                      targets: [{ address: %s }, { address: %s }]
                      health_checks: { outlier: { consecutive_gateway_errors: 2, max_ejection_percent: 50 } }
                    """.formatted(a.address(), b.address())))) {
                statuses(gw, 20);
                // one of two may be ejected (50 %), never both
                assertThat(gw.instance().upstreamHealth("u")).filteredOn(UpstreamGroup.TargetHealth::available)
                        .hasSize(1);
            }
        }
    }

    @Test
    void backupsServeOnlyWhenNoPrimaryIsHealthy() throws Exception {
        int dead = TestConfigs.closedPort();
        try (TestBackend primary = new TestBackend("primary"); TestBackend backup = new TestBackend("backup")) {
            String upstream = """
                    - name: u
                      targets:
                        - { address: %s }
                        - { address: %s, backup: true }
                      health_checks: { passive: { max_fails: 1, fail_timeout: 30s } }
                    """;
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream(upstream.formatted(primary.address(), backup.address())))) {
                for (int i = 0; i < 10; i++) {
                    assertThat(gw.get("/x").headers().firstValue("x-backend")).hasValue("primary");
                }
            }
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream(upstream.formatted("127.0.0.1:" + dead, backup.address())))) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(502);
                for (int i = 0; i < 10; i++) {
                    assertThat(gw.get("/x").headers().firstValue("x-backend")).hasValue("backup");
                }
            }
        }
    }

    @Test
    void onAllUnhealthyFailAnswers503WithRetryAfterAndIgnoreHealthTriesAnyway() throws Exception {
        int dead = TestConfigs.closedPort();
        try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: "127.0.0.1:%d" }]
                  health_checks: { passive: { max_fails: 1, fail_timeout: 20s } }
                  on_all_unhealthy: fail
                """.formatted(dead)))) {
            assertThat(gw.get("/x").statusCode()).isEqualTo(502);
            HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"error\":\"no_healthy_upstream\"");
            assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 20L);
        }
        try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: "127.0.0.1:%d" }]
                  health_checks: { passive: { max_fails: 1, fail_timeout: 20s } }
                  on_all_unhealthy: ignore-health
                """.formatted(dead)))) {
            assertThat(gw.get("/x").statusCode()).isEqualTo(502);
            assertThat(gw.get("/x").statusCode()).isEqualTo(502);
        }
    }

    @Test
    void consistentHashPinsAKeyToOneTarget() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
                TestBackend c = new TestBackend("c"); Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                        - name: u
                          algorithm: consistent-hash
                          hash_on: header:x-user
                          targets: [{ address: %s }, { address: %s }, { address: %s }]
                        """.formatted(a.address(), b.address(), c.address())))) {
            Map<String, String> owner = new HashMap<>();
            for (int round = 0; round < 3; round++) {
                for (int user = 0; user < 30; user++) {
                    HttpResponse<String> r = gw.client().send(HttpRequest.newBuilder(gw.uri("/x"))
                            .header("X-User", "user-" + user).build(), HttpResponse.BodyHandlers.ofString());
                    String backend = r.headers().firstValue("x-backend").orElseThrow();
                    assertThat(owner.putIfAbsent("user-" + user, backend)).isIn(null, backend);
                }
            }
            assertThat(new java.util.HashSet<>(owner.values())).hasSize(3);
        }
    }

    @Test
    void unknownHashKeysAndMisplacedOptionsAreConfigErrors() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  hash_on: header:x-user
                  hash_fallback: path
                  targets: [{ address: "127.0.0.1:1" }]
                  on_all_unhealthy: sometimes
                """))).hasMessageContaining("upstreams[0].hash_on: only applies to algorithm: consistent-hash")
                .hasMessageContaining("upstreams[0].hash_fallback: only applies to algorithm: consistent-hash")
                .hasMessageContaining("upstreams[0].on_all_unhealthy: 'sometimes' (expected: fail | ignore-health)");
    }
}
