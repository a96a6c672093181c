package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestConfigs;
import dev.gatehouse.testing.TestBackend;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Active HTTP and TCP probes take targets out of rotation and bring them back. */
class ActiveHealthTest {


    private static UpstreamGroup.TargetHealth health(Gateway gw, String address) {
        return gw.instance().upstreamHealth("u").stream().filter(h -> h.address().equals(address)).findFirst()
                .orElseThrow();
    }

    @Test
    void httpProbesFollowTheHealthEndpoint() throws Exception {
        AtomicInteger bStatus = new AtomicInteger(200);
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b")) {
            b.handle("/healthz", ex -> {
                ex.sendResponseHeaders(bStatus.get(), -1);
                ex.close();
            });
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                    - name: u
                      targets: [{ address: %s }, { address: %s }]
                      health_checks:
                        active:
                          type: http
                          path: /healthz
                          interval: 200ms
                          timeout: 150ms
                          healthy_threshold: 2
                          unhealthy_threshold: 2
                          expected_statuses: [200-299]
                          headers: { x-probe: ["yes"] }
                    """.formatted(a.address(), b.address())))) {
                await().atMost(Duration.ofSeconds(3)).until(() -> b.seen().stream()
                        .anyMatch(s -> s.uri().equals("/healthz")));
                var probe = b.seen().stream().filter(s -> s.uri().equals("/healthz")).findFirst().orElseThrow();
                assertThat(probe.header("X-Probe")).isEqualTo("yes");
                assertThat(probe.header("Host")).isEqualTo(b.address());

                bStatus.set(503);
                await().atMost(Duration.ofSeconds(3)).until(() -> !health(gw, b.address()).activeHealthy());
                assertThat(health(gw, b.address()).lastProbe()).isEqualTo("HTTP 503");
                for (int i = 0; i < 10; i++) {
                    assertThat(gw.get("/x").headers().firstValue("x-backend")).hasValue("a");
                }

                bStatus.set(200);
                await().atMost(Duration.ofSeconds(3)).until(() -> health(gw, b.address()).activeHealthy());
                int before = (int) b.seen().stream().filter(s -> s.uri().equals("/x")).count();
                for (int i = 0; i < 10; i++) {
                    gw.get("/x");
                }
                assertThat(b.seen().stream().filter(s -> s.uri().equals("/x")).count()).isEqualTo(before + 5);
            }
        }
    }

    @Test
    void tcpProbesFindADeadTarget() throws Exception {
        int dead = TestConfigs.closedPort();
        try (TestBackend a = new TestBackend("a"); Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: %s }, { address: "127.0.0.1:%d" }]
                  health_checks: { active: { type: tcp, interval: 100ms, timeout: 100ms, unhealthy_threshold: 1 } }
                """.formatted(a.address(), dead)))) {
            await().atMost(Duration.ofSeconds(3)).until(() -> !health(gw, "127.0.0.1:" + dead).available());
            assertThat(health(gw, "127.0.0.1:" + dead).lastProbe()).startsWith("connect failed");
            assertThat(health(gw, a.address()).available()).isTrue();
            for (int i = 0; i < 10; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
        }
    }
}
