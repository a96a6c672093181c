package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawBackend;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Three backends under steady load; one is killed and restarted. Without retries, few requests fail and only
 * until the failure is detected; with retries, none does. A hanging backend is ejected by per-try timeouts and
 * outlier detection.
 */
class BackendFaultTest {

    private static final long INTERVAL_MS = 300;

    private static String gateway(List<TestBackend> backends, String retries) {
        StringBuilder targets = new StringBuilder();
        for (TestBackend b : backends) {
            targets.append("{ address: ").append(b.address()).append(" }, ");
        }
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                upstreams:
                  - name: u
                    targets: [%s]
                    health_checks:
                      active: { type: http, path: /, interval: %dms, timeout: 200ms, healthy_threshold: 1, unhealthy_threshold: 1 }
                      passive: { max_fails: 1, fail_timeout: 1s }
                services:
                  - name: s
                    upstream: u
                    connect_timeout: 500ms
                %s
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(targets, INTERVAL_MS, retries.indent(4));
    }

    /** Runs 4 clients until stopped (at most 20,000 requests each); records failures with their time. */
    private static final class Load implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        final ConcurrentLinkedQueue<Long> failures = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> reasons = new ConcurrentLinkedQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final List<Thread> threads = new ArrayList<>();

        Load(Gateway gw) {
            for (int c = 0; c < 4; c++) {
                Thread t = new Thread(() -> {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    HttpRequest req = HttpRequest.newBuilder(gw.uri("/load")).timeout(Duration.ofSeconds(5)).build();
                    for (int i = 0; i < 20_000 && running.get(); i++) {
                        try {
                            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failures.add(System.nanoTime());
                                reasons.add(r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            failures.add(System.nanoTime());
                            reasons.add(e.toString());
                        }
                    }
                });
                t.start();
                threads.add(t);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }

    /**
     * @param graceful stop the backend as SIGTERM would (requests in progress finish); otherwise kill it, which
     *     may cut a response in the middle, something no proxy can retry
     */
    private void killAndRestart(String retries, boolean graceful) throws Exception {
        TestBackend a = new TestBackend("a");
        TestBackend b = new TestBackend("b");
        TestBackend c = new TestBackend("c");
        int cPort = c.port();
        TestBackend restarted = null;
        try (Gateway gw = Gateway.start(gateway(List.of(a, b, c), retries))) {
            Load load = new Load(gw);
            long killedAt;
            long restartedAt;
            try {
                Thread.sleep(800);
                killedAt = System.nanoTime();
                c.stop(graceful ? 1 : 0);
                Thread.sleep(1500);
                restarted = new TestBackend("c", cPort);
                restartedAt = System.nanoTime();
                Thread.sleep(1000);
            } finally {
                load.close();
            }
            List<Long> failures = new ArrayList<>(load.failures);
            int all = load.ok.get() + failures.size();
            assertThat(all).isGreaterThan(300);
            if (graceful) {
                assertThat(load.reasons).isEmpty();
            } else {
                assertThat(failures.size() * 100.0 / all).isLessThan(1.0);
                // failures stop once the dead target is detected (passive at the first failure, active within
                // one check interval)
                for (long f : failures) {
                    assertThat((f - killedAt) / 1_000_000).isBetween(0L, 2 * INTERVAL_MS + 500);
                }
            }
            // the restarted backend is back in rotation within two check intervals
            long back = restarted.firstRequestNanos("/load");
            assertThat(back).as("the restarted backend gets traffic again").isNotZero();
            assertThat((back - restartedAt) / 1_000_000).isLessThan(2 * INTERVAL_MS);
        } finally {
            a.close();
            b.close();
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    @Test
    void withoutRetriesFewRequestsFailAndOnlyUntilDetection() throws Exception {
        killAndRestart("", false);
    }

    @Test
    void withRetriesNoIdempotentRequestFails() throws Exception {
        // all four clients can meet the dead target at once: one more than the budget's floor of three retries
        killAndRestart("retries: { attempts: 2, on: [connect-failure, reset, gateway-error], budget_percent: 100,"
                + " backoff: { base: 5ms,"
                + " max: 20ms } }", true);
    }

    @Test
    void aHangingBackendIsEjectedByPerTryTimeoutsAndOutlierDetection() throws Exception {
        try (RawBackend hanging = new RawBackend((s, i) -> {
            while (RawBackend.readHead(s.getInputStream()) != null) {
                Thread.sleep(10_000);
            }
        }); TestBackend good = new TestBackend("good"); Gateway gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                upstreams:
                  - name: u
                    targets: [{ address: %s }, { address: %s }]
                    health_checks: { outlier: { consecutive_gateway_errors: 2, base_ejection_time: 30s, max_ejection_percent: 50 } }
                services:
                  - name: s
                    upstream: u
                    retries: { attempts: 1, on: [timeout], per_try_timeout: 200ms }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(hanging.address(), good.address()))) {
            for (int i = 0; i < 20; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
            assertThat(gw.instance().upstreamHealth("u")).filteredOn(h -> h.address().equals(hanging.address()))
                    .singleElement().satisfies(h -> {
                        assertThat(h.available()).isFalse();
                        assertThat(h.lastEjectionReason()).contains("gateway errors");
                    });
            // two timed-out tries, then the hanging target is out of rotation
            assertThat(hanging.connections()).isEqualTo(2);
        }
    }
}
