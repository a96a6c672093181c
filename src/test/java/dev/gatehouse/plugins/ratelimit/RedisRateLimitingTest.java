package dev.gatehouse.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.GatewayProcess;
import dev.gatehouse.testing.TestBackend;
import dev.gatehouse.testing.TestRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The redis policy against a private redis-server: two gateway processes (this JVM and a forked one) share one
 * limit exactly; Redis going away and back.
 */
class RedisRateLimitingTest {

    private static String config(String backend, String redisUrl) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                redis: { url: "%s", timeout: 300ms }
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: shared
                    service: s
                    paths: ["/shared"]
                    plugins:
                      - name: rate-limiting
                        config: { policy: redis, algorithm: fixed-window, limits: [{ requests: 10, per: 1d }], limit_by: [global] }
                  - name: shared-sliding
                    service: s
                    paths: ["/shared-sliding"]
                    plugins:
                      - name: rate-limiting
                        config: { policy: redis, algorithm: sliding-window, limits: [{ requests: 10, per: 1d }], limit_by: [global] }
                  - name: shared-bucket
                    service: s
                    paths: ["/shared-bucket"]
                    plugins:
                      - name: rate-limiting
                        config: { policy: redis, algorithm: token-bucket, limits: [{ requests: 1, per: 1h, burst: 10 }], limit_by: [global] }
                  - name: queue
                    service: s
                    paths: ["/queue"]
                    plugins:
                      - name: rate-limiting
                        config: { policy: redis, algorithm: token-bucket, limits: [{ requests: 10, per: 1s, burst: 4, delay: 0 }], limit_by: [global] }
                  - name: batched
                    service: s
                    paths: ["/batched"]
                    plugins:
                      - name: rate-limiting
                        config: { policy: redis, sync_interval: 100ms, algorithm: fixed-window, limits: [{ requests: 50, per: 1d }], limit_by: [global] }
                  - name: tolerant
                    service: s
                    paths: ["/tolerant"]
                    plugins:
                      - { name: rate-limiting, config: { policy: redis, day: 100000, fault_tolerant: true } }
                  - name: strict
                    service: s
                    paths: ["/strict"]
                    plugins:
                      - { name: rate-limiting, config: { policy: redis, day: 100000, fault_tolerant: false } }
                access_log: { target: off }
                """.formatted(redisUrl, backend);
    }

    private static int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void twoGatewayProcessesAdmitNoMoreThanTheLimitCombined() throws Exception {
        try (TestRedis redis = new TestRedis(); TestBackend backend = new TestBackend("b");
                Gateway inThisJvm = Gateway.start(config(backend.address(), redis.url()));
                GatewayProcess forked = GatewayProcess.start(config(backend.address(), redis.url()))) {
            int a = inThisJvm.port();
            int b = forked.port();
            // both nodes reach Redis before the burst (the strict route answers 503 until they do)
            for (int port : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> status(port, "/strict") == 200);
            }
            // one atomic script per decision: exact, whatever node answers, for each algorithm
            for (String path : List.of("/shared", "/shared-sliding", "/shared-bucket")) {
                int[] counts = burst(List.of(a, b, a, b), path, 10);
                assertThat(counts[0]).as(path + " admitted").isEqualTo(10);
                assertThat(counts[1]).as(path + " refused").isEqualTo(30);
            }
            // a queueing bucket on Redis: 4 at once from two nodes, released 100 ms apart, the fifth refused
            long start = System.nanoTime();
            int[] queued = burst(List.of(a, b, a, b, a), "/queue", 1);
            assertThat(queued).containsExactly(4, 1);
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(290);
            List<String> keys = redis.keys("gatehouse:rl:*");
            assertThat(keys).isNotEmpty();
            for (String key : keys) {
                assertThat(Long.parseLong(redis.command("PTTL " + key))).as("TTL of " + key).isPositive();
            }
        }
    }

    /** Each gateway port in {@code clients} gets a thread sending {@code each} GETs; returns admitted, refused. */
    private static int[] burst(List<Integer> clients, String path, int each) throws InterruptedException {
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int port : clients) {
            Thread t = new Thread(() -> {
                HttpClient client = HttpClient.newHttpClient();
                for (int i = 0; i < each; i++) {
                    try {
                        int status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + path)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                        (status == 200 ? admitted : refused).incrementAndGet();
                    } catch (Exception e) {
                        refused.incrementAndGet();
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        return new int[] {admitted.get(), refused.get()};
    }

    @Test
    void aSyncIntervalTradesABoundedOverAdmissionForFewerRedisCalls() throws Exception {
        try (TestRedis redis = new TestRedis(); TestBackend backend = new TestBackend("b");
                Gateway a = Gateway.start(config(backend.address(), redis.url()));
                Gateway b = Gateway.start(config(backend.address(), redis.url()))) {
            for (Gateway gw : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/strict").statusCode() == 200);
            }
            long callsBefore = redis.calls("evalsha") + redis.calls("eval");
            int[] counts = burst(List.of(a.port(), b.port()), "/batched", 100);
            long calls = redis.calls("evalsha") + redis.calls("eval") - callsBefore;
            // each node stops at the limit by its own view, so two nodes admit between 1x and 2x the limit
            assertThat(counts[0]).isBetween(50, 100);
            assertThat(calls).as("redis calls for 200 requests").isLessThan(100);
            // once both have synced, everything they admitted is in Redis (the strict route's counter holds the
            // two probes above, so the batched one is the other counter of today) and both refuse
            String today = ":86400000:" + System.currentTimeMillis() / 86_400_000L;
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(redis.keys("gatehouse:rl:*")
                    .stream().filter(k -> k.endsWith(today)).map(redis::get).toList())
                    .contains(String.valueOf(counts[0])));
            Thread.sleep(300);
            assertThat(a.get("/batched").statusCode()).isEqualTo(429);
            assertThat(b.get("/batched").statusCode()).isEqualTo(429);
        }
    }

    @Test
    void redisGoingAwayIsToleratedOrRefusedAsConfiguredAndTheLimitComesBack() throws Exception {
        try (TestRedis redis = new TestRedis(); TestBackend backend = new TestBackend("b");
                Gateway gw = Gateway.start(config(backend.address(), redis.url()))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/strict").statusCode() == 200);
            redis.stop();
            assertThat(gw.get("/tolerant").statusCode()).isEqualTo(200);
            assertThat(gw.get("/strict").statusCode()).isEqualTo(503);
            redis.start();
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                    .until(() -> gw.get("/strict").statusCode() == 200);
            // the outage is counted in the metric operators watch
            java.util.regex.Matcher failures = java.util.regex.Pattern.compile(
                    "gatehouse_redis_failures_total ([0-9.]+)").matcher(gw.instance().metrics().scrape());
            assertThat(failures.find()).isTrue();
            assertThat(Double.parseDouble(failures.group(1))).isPositive();
        }
    }
}
