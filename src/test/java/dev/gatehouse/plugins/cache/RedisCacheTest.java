package dev.gatehouse.plugins.cache;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** proxy-cache with storage: redis: two gateway processes answer from one cache; Redis down is a miss. */
class RedisCacheTest {

    static String config(String backend, String redisUrl) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                admin: { address: "127.0.0.1:0", token: "t" }
                redis: { url: "%s", timeout: 300ms }
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: proxy-cache
                        config: { storage: redis }
                access_log: { target: off }
                """.formatted(redisUrl, backend);
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String status(HttpResponse<?> r) {
        return r.headers().firstValue("x-cache-status").orElse("");
    }

    @Test
    void twoGatewayProcessesShareOneCacheAndARedisOutageIsAMiss() throws Exception {
        try (TestRedis redis = new TestRedis(); TestBackend origin = new TestBackend("origin");
                Gateway a = Gateway.start(config(origin.address(), redis.url()));
                GatewayProcess b = GatewayProcess.start(config(origin.address(), redis.url()))) {
            AtomicInteger calls = new AtomicInteger();
            byte[] binary = new byte[3000];
            for (int i = 0; i < binary.length; i++) {
                binary[i] = (byte) (i * 31);
            }
            origin.handle("/shared", ex -> {
                calls.incrementAndGet();
                ex.getResponseHeaders().set("Cache-Control", "max-age=60");
                ex.getResponseHeaders().set("Vary", "Accept-Language");
                ex.sendResponseHeaders(200, binary.length);
                ex.getResponseBody().write(binary);
                ex.close();
            });
            HttpResponse<String> miss = get(a.port(), "/shared");
            assertThat(status(miss)).isEqualTo("MISS");
            // the store is asynchronous: the entry is in Redis a moment after the response
            await().atMost(Duration.ofSeconds(5)).until(() -> !redis.keys("gatehouse:cache:*").isEmpty());
            HttpResponse<byte[]> hit = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + b.port() + "/shared")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(hit.headers().firstValue("x-cache-status")).hasValue("HIT");
            assertThat(hit.body()).as("a binary body survives Redis").isEqualTo(binary);
            assertThat(calls.get()).isEqualTo(1);
            assertThat(redis.keys("gatehouse:cache:*")).hasSize(1).allSatisfy(key -> assertThat(
                    Long.parseLong(redis.command("PTTL " + key))).as("entries expire").isPositive());

            // collapsed misses wait for the fetch's write to Redis, then answer from it
            AtomicInteger slowCalls = new AtomicInteger();
            origin.handle("/slow", ex -> {
                slowCalls.incrementAndGet();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.getResponseHeaders().set("Cache-Control", "max-age=60");
                ex.sendResponseHeaders(200, 4);
                ex.getResponseBody().write("slow".getBytes());
                ex.close();
            });
            List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                concurrent.add(HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + a.port() + "/slow")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> f : concurrent) {
                assertThat(f.get().body()).isEqualTo("slow");
            }
            assertThat(slowCalls.get()).isEqualTo(1);

            // a purge on one node empties the cache both read
            HttpResponse<String> purged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + a.instance().adminPort("admin") + "/cache/purge"))
                    .header("Authorization", "Bearer t")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prefix\":\"http://127.0.0.1/sh\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(purged.body()).containsPattern("\"purged\"\\s*:\\s*1");
            assertThat(status(get(b.port(), "/shared"))).isEqualTo("MISS");
            assertThat(calls.get()).isEqualTo(2);

            redis.stop();
            HttpResponse<String> down = get(b.port(), "/shared");
            assertThat(down.statusCode()).isEqualTo(200);
            assertThat(status(down)).isEqualTo("MISS");
            assertThat(calls.get()).isEqualTo(3);
        }
    }
}
