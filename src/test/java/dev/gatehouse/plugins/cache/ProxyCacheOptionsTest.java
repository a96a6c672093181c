package dev.gatehouse.plugins.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** proxy-cache options: stored content types, the memory bound in bytes, no status header, the collapse wait. */
class ProxyCacheOptionsTest {

    static TestBackend origin;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        origin = new TestBackend("origin");
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: json-only
                    service: s
                    paths: ["/json/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                        config: { content_types: [application/json], status_header: "" }
                  - name: small
                    service: s
                    paths: ["/small/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                        config: { memory_size: 40k }
                  - name: impatient
                    service: s
                    paths: ["/slow/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                        config: { lock_timeout: 300ms }
                access_log: { target: off }
                """.formatted(origin.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        origin.close();
    }

    static AtomicInteger serve(String path, String type, int size, long delayMs) {
        AtomicInteger calls = new AtomicInteger();
        byte[] body = "x".repeat(size).getBytes(StandardCharsets.UTF_8);
        origin.handle(path, ex -> {
            calls.incrementAndGet();
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.getResponseHeaders().set("Content-Type", type);
            ex.getResponseHeaders().set("Cache-Control", "max-age=60");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        return calls;
    }

    static HttpResponse<String> get(String path) throws Exception {
        return gw.get(path);
    }

    @Test
    void onlyListedContentTypesAreStoredAndTheStatusHeaderCanBeOff() throws Exception {
        AtomicInteger json = serve("/json/a", "application/json; charset=utf-8", 10, 0);
        AtomicInteger html = serve("/json/b", "text/html", 10, 0);
        get("/json/a");
        HttpResponse<String> hit = get("/json/a");
        get("/json/b");
        get("/json/b");
        assertThat(json.get()).isEqualTo(1);
        assertThat(html.get()).isEqualTo(2);
        assertThat(hit.headers().firstValue("x-cache-status")).isEmpty();
        assertThat(hit.headers().firstValue("age")).isPresent();
    }

    @Test
    void theMemoryStorageIsBoundedInBytes() throws Exception {
        // 40 KiB of room, 10 responses of 8 KiB: most of the first ones must have gone
        AtomicInteger calls = serve("/small/", "text/plain", 8 * 1024, 0);
        for (int i = 0; i < 10; i++) {
            get("/small/" + i);
        }
        int before = calls.get();
        int hits = 0;
        for (int i = 0; i < 10; i++) {
            if ("HIT".equals(get("/small/" + i).headers().firstValue("x-cache-status").orElse(""))) {
                hits++;
            }
        }
        assertThat(before).isEqualTo(10);
        assertThat(hits).isBetween(1, 5);
    }

    @Test
    void aWaiterGoesUpstreamItselfAfterTheLockTimeout() throws Exception {
        AtomicInteger calls = serve("/slow/x", "text/plain", 10, 1500);
        HttpClient one = HttpClient.newHttpClient();
        HttpClient two = HttpClient.newHttpClient();
        var first = one.sendAsync(HttpRequest.newBuilder(gw.uri("/slow/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(100);
        CompletableFuture<HttpResponse<String>> second = two.sendAsync(HttpRequest.newBuilder(gw.uri("/slow/x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        // the second waited 300 ms for the first, then fetched by itself: two origin calls
        assertThat(second.get().statusCode()).isEqualTo(200);
        assertThat(first.get().statusCode()).isEqualTo(200);
        assertThat(calls.get()).isEqualTo(2);
    }
}
