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

    /** A backend handler that answers 200 once {@code latch} opens. */
    private static com.sun.net.httpserver.HttpHandler answerAfter(CountDownLatch latch) {
        return ex -> {
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        };
    }

    @Test
    void theThirdConcurrentRequestIsRefusedAndSlotsReturn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestBackend backend = new TestBackend("b")) {
            backend.handle("/slow", answerAfter(release));
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

    @Test
    void aBoundedQueueWaitsForTheNextFreeSlotOrTimesOut() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestBackend backend = new TestBackend("b")) {
            backend.handle("/slow", answerAfter(release));
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
                          - name: concurrency-limiting
                            config: { max_in_flight: 1, queue: 1, queue_timeout: 2s, limit_by: [global] }
                    access_log: { target: off }
                    """.formatted(backend.address()))) {
                var holder = gw.client().sendAsync(HttpRequest.newBuilder(gw.uri("/slow")).build(),
                        HttpResponse.BodyHandlers.ofString());
                org.awaitility.Awaitility.await().until(() -> backend.seen().size() == 1);
                var waiting = gw.client().sendAsync(HttpRequest.newBuilder(gw.uri("/fast")).build(),
                        HttpResponse.BodyHandlers.ofString());
                Thread.sleep(200);
                // the queue of one is taken: the next is refused at once; the waiting one has not gone upstream
                assertThat(gw.get("/fast").statusCode()).isEqualTo(503);
                assertThat(waiting).isNotDone();
                assertThat(backend.seen()).hasSize(1);
                release.countDown();
                assertThat(holder.get().statusCode()).isEqualTo(200);
                assertThat(waiting.get().statusCode()).isEqualTo(200);

                // a wait that runs out gets 503 after queue_timeout
                CountDownLatch never = new CountDownLatch(1);
                backend.handle("/stuck", answerAfter(never));
                var stuck = gw.client().sendAsync(HttpRequest.newBuilder(gw.uri("/stuck")).build(),
                        HttpResponse.BodyHandlers.ofString());
                org.awaitility.Awaitility.await().until(() -> backend.seen().size() == 3);
                long start = System.nanoTime();
                HttpResponse<String> timedOut = gw.get("/fast");
                assertThat(timedOut.statusCode()).isEqualTo(503);
                assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1_900);
                never.countDown();
                assertThat(stuck.get().statusCode()).isEqualTo(200);
                assertThat(gw.get("/fast").statusCode()).isEqualTo(200);
            }
        }
    }
}
