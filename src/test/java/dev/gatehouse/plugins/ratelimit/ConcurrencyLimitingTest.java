package dev.gatehouse.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** concurrency-limiting: in-flight requests per key are capped; slots come back when exchanges end. */
class ConcurrencyLimitingTest {

    @Test
    void theThirdConcurrentRequestIsRefusedAndSlotsReturn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestBackend backend = new TestBackend("b")) {
            backend.handle("/slow", ex -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            try (Gateway gw = Gateway.start("""
                    listeners:
                      - name: public
                        address: 127.0.0.1:0
                    services:
                      - { name: s, url: "http://%s" }
                    routes:
                      - name: r
                        service: s
                        paths: ["/"]
                        strip_path: false
                        plugins:
                          - { name: concurrency-limiting, config: { max_in_flight: 2, limit_by: [global] } }
                    access_log: { target: off }
                    """.formatted(backend.address()))) {
                List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    slow.add(gw.client().sendAsync(HttpRequest.newBuilder(gw.uri("/slow")).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                org.awaitility.Awaitility.await().until(() -> backend.seen().size() == 2);
                HttpResponse<String> third = gw.get("/fast");
                assertThat(third.statusCode()).isEqualTo(503);
                assertThat(third.body()).contains("concurrency_limited");
                release.countDown();
                for (var r : slow) {
                    assertThat(r.get().statusCode()).isEqualTo(200);
                }
                assertThat(gw.get("/fast").statusCode()).isEqualTo(200);
            }
        }
    }
}
