package dev.gatehouse.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
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

/** 20 reloads while clients keep sending requests over keep-alive connections: no request fails. */
class ReloadUnderLoadTest {

    private static String config(TestBackend a, TestBackend b, int generation) {
        // each generation changes weights and adds a route, so every reload builds a different snapshot
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                upstreams:
                  - name: pair
                    algorithm: weighted-round-robin
                    targets:
                      - { address: %s, weight: %d }
                      - { address: %s, weight: %d }
                services:
                  - { name: pair, upstream: pair }
                routes:
                  - { name: main, service: pair, paths: ["/api"] }
                  - { name: gen%d, service: pair, paths: ["/gen%d"] }
                access_log: { target: off }
                """.formatted(a.address(), 1 + generation % 3, b.address(), 1 + (generation + 1) % 3, generation,
                generation);
    }

    @Test
    void twentyReloadsUnderLoadLoseNoRequest() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
                Gateway gw = Gateway.start(config(a, b, 0))) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Thread t = new Thread(() -> {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    HttpRequest req = HttpRequest.newBuilder(gw.uri("/api/x")).timeout(Duration.ofSeconds(10)).build();
                    // bounded: stops when the reloads are done, or after 20,000 requests
                    for (int i = 0; i < 20_000 && running.get(); i++) {
                        try {
                            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failures.add(r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                });
                t.start();
                clients.add(t);
            }
            for (int gen = 1; gen <= 20; gen++) {
                Thread.sleep(50);
                assertThat(gw.reload(config(a, b, gen))).isTrue();
            }
            Thread.sleep(50);
            running.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }
            assertThat(failures).isEmpty();
            assertThat(ok.get()).isGreaterThan(100);
            assertThat(gw.instance().snapshot().revision()).isEqualTo(21);
            assertThat(gw.get("/gen20/x").statusCode()).isEqualTo(200);
            assertThat(gw.get("/gen19/x").statusCode()).isEqualTo(404);
        }
    }
}
