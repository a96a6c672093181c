package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestConfigs;
import dev.gatehouse.testing.RawBackend;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Retries (conditions, body replay, per-try timeout, idempotency) and circuit breakers over real sockets. */
class RetryAndBreakerTest {



    private static HttpResponse<String> post(Gateway gw, String body) throws Exception {
        return gw.client().send(HttpRequest.newBuilder(gw.uri("/p")).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void connectFailuresAreRetriedOnAnotherTargetForAnyMethod() throws Exception {
        int dead = TestConfigs.closedPort();
        try (TestBackend good = new TestBackend("good"); Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: "127.0.0.1:%d" }, { address: %s }]
                """.formatted(dead, good.address()), """
                retries: { attempts: 1, on: [connect-failure], backoff: { base: 1ms, max: 5ms } }
                """))) {
            for (int i = 0; i < 10; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
                // nothing reached the dead target, so even POST is safe to send elsewhere
                HttpResponse<String> r = post(gw, "hello");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).endsWith("body=5");
            }
        }
    }

    @Test
    void retriableStatusReplaysTheBodyOnlyWhenAllowed() throws Exception {
        try (TestBackend bad = new TestBackend("bad"); TestBackend good = new TestBackend("good")) {
            bad.handle("/", ex -> {
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(503, -1);
                ex.close();
            });
            String upstream = """
                    - name: u
                      targets: [{ address: %s }, { address: %s }]
                    """.formatted(bad.address(), good.address());
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream(upstream, """
                    retries: { attempts: 1, on: ["retriable-status:503"], retry_non_idempotent: true }
                    """))) {
                for (int i = 0; i < 6; i++) {
                    HttpResponse<String> r = post(gw, "payload-" + i);
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo("good POST /p body=" + ("payload-" + i).length());
                }
                // round-robin: each request meets the failing target first, then is retried on the other
                assertThat(bad.seen()).hasSize(6);
            }
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream(upstream, """
                    retries: { attempts: 1, on: ["retriable-status:503"] }
                    """))) {
                Map<Integer, Integer> statuses = new HashMap<>();
                for (int i = 0; i < 6; i++) {
                    statuses.merge(post(gw, "x").statusCode(), 1, Integer::sum);
                    assertThat(gw.get("/g").statusCode()).isEqualTo(200);
                }
                // POST reached the upstream: not retried without retry_non_idempotent; GET always was
                assertThat(statuses.get(503)).isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void perTryTimeoutMovesAHangingTryToAnotherTarget() throws Exception {
        try (RawBackend hanging = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            Thread.sleep(10_000);
        }); TestBackend good = new TestBackend("good"); Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: %s }, { address: %s }]
                """.formatted(hanging.address(), good.address()), """
                read_timeout: 30s
                retries: { attempts: 1, on: [timeout], per_try_timeout: 300ms }
                """))) {
            for (int i = 0; i < 4; i++) {
                long start = System.nanoTime();
                HttpResponse<String> r = gw.get("/slow");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
            }
            assertThat(hanging.connections()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void withoutRetriesTheFailureReachesTheClient() throws Exception {
        int dead = TestConfigs.closedPort();
        try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: "127.0.0.1:%d" }]
                """.formatted(dead), ""))) {
            assertThat(gw.get("/x").statusCode()).isEqualTo(502);
        }
    }

    @Test
    void retryBudgetAllowsAFewRetriesThenAShareOfRequests() {
        UpstreamCounters counters = new UpstreamCounters();
        int granted = 0;
        for (int i = 0; i < 10; i++) {
            granted += counters.tryStartRetry(20) ? 1 : 0;
        }
        assertThat(granted).isEqualTo(UpstreamCounters.MIN_RETRY_CONCURRENCY);
        counters.requests.set(100);
        for (int i = 0; i < 50; i++) {
            granted += counters.tryStartRetry(20) ? 1 : 0;
        }
        assertThat(counters.retries()).isEqualTo(20);
    }

    /** Every request takes 800 ms: long enough to hold a circuit breaker slot while the test probes it. */
    private static void answerSlowly(TestBackend backend) {
        backend.handle("/", ex -> {
            try {
                Thread.sleep(800);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
    }

    @Test
    void maxRequestsRefusesOverflowAtOnce() throws Exception {
        try (TestBackend slow = new TestBackend("slow")) {
            answerSlowly(slow);
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                    - name: u
                      targets: [{ address: %s }]
                      circuit_breakers: { max_requests: 2 }
                    """.formatted(slow.address()), ""))) {
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    calls.add(gw.client().sendAsync(HttpRequest.newBuilder(gw.uri("/s" + i)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                org.awaitility.Awaitility.await().until(() -> slow.seen().size() == 2);
                long start = System.nanoTime();
                HttpResponse<String> refused = gw.get("/third");
                assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(500);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("x-gatehouse-overflow")).hasValue("max_requests");
                assertThat(refused.body()).contains("upstream_overflow");
                for (var call : calls) {
                    assertThat(call.get().statusCode()).isEqualTo(200);
                }
                assertThat(gw.get("/after").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void maxConnectionsRefusesANewConnectionPastTheLimit() throws Exception {
        try (TestBackend slow = new TestBackend("slow")) {
            answerSlowly(slow);
            try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                    - name: u
                      targets: [{ address: %s }]
                      circuit_breakers: { max_connections: 1 }
                    """.formatted(slow.address()), ""))) {
                var first = gw.client().sendAsync(HttpRequest.newBuilder(gw.uri("/a")).build(),
                        HttpResponse.BodyHandlers.ofString());
                org.awaitility.Awaitility.await().until(() -> slow.seen().size() == 1);
                HttpResponse<String> refused = gw.get("/b");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("x-gatehouse-overflow")).hasValue("max_connections");
                assertThat(first.get().statusCode()).isEqualTo(200);
                // the one connection is reused afterwards
                assertThat(gw.get("/c").statusCode()).isEqualTo(200);
            }
        }
    }
}
