package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server-Sent Events pass through unbuffered: the first event reaches the client while the upstream is still
 * holding the response open, over HTTP/1.1 and over HTTP/2.
 */
class ServerSentEventsTest {

    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("sse").handle("/events", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    @Test
    void theFirstEventArrivesBeforeTheStreamEndsOverHttp11() throws Exception {
        long start = System.nanoTime();
        HttpResponse<Stream<String>> r = gw.client().send(HttpRequest.newBuilder(gw.uri("/events")).build(),
                HttpResponse.BodyHandlers.ofLines());
        Iterator<String> lines = r.body().iterator();
        assertThat(lines.next()).isEqualTo("data: first");
        long firstMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        List<String> rest = new java.util.ArrayList<>();
        lines.forEachRemaining(rest::add);
        long allMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(rest).contains("data: second");
        // the upstream waits 2 s between the events: a buffering proxy would deliver both at the end
        assertThat(firstMillis).as("first event after %d ms, stream ended after %d ms", firstMillis, allMillis)
                .isLessThan(allMillis - 1000);
    }

    @Test
    void theFirstEventArrivesBeforeTheStreamEndsOverHttp2() throws Exception {
        long start = System.nanoTime();
        Process curl = new ProcessBuilder("curl", "-s", "-N", "--http2-prior-knowledge",
                "http://127.0.0.1:" + gw.port() + "/events").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(curl.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("data: first");
            long firstMillis = (System.nanoTime() - start) / 1_000_000;
            String line;
            String last = null;
            while ((line = out.readLine()) != null) {
                if (!line.isEmpty()) {
                    last = line;
                }
            }
            long allMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(last).isEqualTo("data: second");
            assertThat(firstMillis).as("first event after %d ms, stream ended after %d ms", firstMillis, allMillis)
                    .isLessThan(allMillis - 1000);
        } finally {
            curl.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
