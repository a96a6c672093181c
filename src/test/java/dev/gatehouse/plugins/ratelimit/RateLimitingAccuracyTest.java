package dev.gatehouse.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One node, real sockets: exact admission counts under concurrent clients for each algorithm, the token bucket's
 * queue, and counters that survive a reload.
 */
class RateLimitingAccuracyTest {

    static TestBackend backend;
    static Gateway gw;

    private static String config(long reloadLimit) {
        // day-long windows: a test run does not cross a window boundary in practice
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: fixed
                    service: s
                    paths: ["/fixed"]
                    plugins:
                      - { name: rate-limiting, config: { algorithm: fixed-window, day: 50, limit_by: [global] } }
                  - name: sliding
                    service: s
                    paths: ["/sliding"]
                    plugins:
                      - { name: rate-limiting, config: { algorithm: sliding-window, day: 50, limit_by: [global] } }
                  - name: bucket
                    service: s
                    paths: ["/bucket"]
                    plugins:
                      - name: rate-limiting
                        config:
                          algorithm: token-bucket
                          limits: [{ requests: 1, per: 1h, burst: 50 }]
                          limit_by: [global]
                  - name: queue
                    service: s
                    paths: ["/queue"]
                    plugins:
                      - name: rate-limiting
                        config:
                          algorithm: token-bucket
                          limits: [{ requests: 10, per: 1s, burst: 5, delay: 0 }]
                          limit_by: [global]
                  - name: reload
                    service: s
                    paths: ["/reload"]
                    plugins:
                      - { name: rate-limiting, config: { algorithm: fixed-window, day: %d, limit_by: [global] } }
                access_log: { target: off }
                """.formatted(backend.address(), reloadLimit);
    }

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        gw = Gateway.start(config(3));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    /** Sends {@code clients * each} GETs from {@code clients} threads at once; returns the statuses. */
    private static List<Integer> hammer(String path, int clients, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<Integer>>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        statuses.add(gw.get(path).statusCode());
                    }
                    return statuses;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (Future<List<Integer>> f : futures) {
                all.addAll(f.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eachAlgorithmAdmitsExactlyTheLimitUnderConcurrentClients() throws Exception {
        for (String path : List.of("/fixed", "/sliding", "/bucket")) {
            List<Integer> statuses = hammer(path, 8, 25);
            assertThat(statuses).as(path).hasSize(200);
            assertThat(statuses.stream().filter(s -> s == 200).count()).as(path + " admitted").isEqualTo(50);
            assertThat(statuses.stream().filter(s -> s == 429).count()).as(path + " refused").isEqualTo(150);
        }
    }

    @Test
    void aQueueingTokenBucketReleasesABurstAtTheRateAndRefusesWhatDoesNotFit() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(7);
        try {
            long start = System.nanoTime();
            List<Future<long[]>> futures = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                futures.add(pool.submit(() -> {
                    HttpResponse<String> r = gw.client().send(HttpRequest.newBuilder(gw.uri("/queue"))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                    return new long[] {r.statusCode(), (System.nanoTime() - start) / 1_000_000};
                }));
            }
            List<Long> admittedAt = new ArrayList<>();
            int refused = 0;
            for (Future<long[]> f : futures) {
                long[] r = f.get();
                if (r[0] == 200) {
                    admittedAt.add(r[1]);
                } else {
                    assertThat(r[0]).isEqualTo(429);
                    refused++;
                }
            }
            // a bucket of 5 at 10/s with delay 0: the first goes at once, the other four at 100 ms intervals
            assertThat(admittedAt).hasSize(5);
            assertThat(refused).isEqualTo(2);
            assertThat(admittedAt.stream().mapToLong(Long::longValue).max().orElseThrow()).isGreaterThanOrEqualTo(390);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void countersSurviveAReloadAndKeepCountingWhenOnlyTheNumberChanges() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(gw.get("/reload").statusCode()).isEqualTo(200);
        }
        assertThat(gw.get("/reload").statusCode()).isEqualTo(429);
        assertThat(gw.reload(config(3))).isTrue();
        assertThat(gw.get("/reload").statusCode()).isEqualTo(429);
        // a higher limit in the same window: the 3 already counted still count
        assertThat(gw.reload(config(5))).isTrue();
        assertThat(gw.get("/reload").statusCode()).isEqualTo(200);
        assertThat(gw.get("/reload").statusCode()).isEqualTo(200);
        assertThat(gw.get("/reload").statusCode()).isEqualTo(429);
    }
}
