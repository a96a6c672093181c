package dev.gatehouse.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.GatewayProcess;
import dev.gatehouse.testing.TestBackend;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Signals on a real process: SIGHUP reloads (or keeps the old config), SIGTERM drains and exits 0. */
class LifecycleTest {

    static TestBackend backend;
    static final CountDownLatch slowArrived = new CountDownLatch(1);
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        backend.handle("/slow", ex -> {
            slowArrived.countDown();
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, 4);
            ex.getResponseBody().write("slow".getBytes());
            ex.close();
        });
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    private static String config(String extraRoute) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: b, url: "http://%s" }
                routes:
                  - { name: one, service: b, paths: ["/one", "/slow"], strip_path: false }
                %s
                access_log: { target: off }
                """.formatted(backend.address(), extraRoute);
    }

    private static int status(GatewayProcess gw, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void sighupReloadsAndAnInvalidFileKeepsTheRunningConfig() throws Exception {
        try (GatewayProcess gw = GatewayProcess.start(config(""))) {
            assertThat(status(gw, "/two")).isEqualTo(404);
            Files.writeString(gw.config(), config("  - { name: two, service: b, paths: [\"/two\"] }"));
            gw.signal("HUP");
            await().atMost(Duration.ofSeconds(10)).until(() -> status(gw, "/two") == 200);

            Files.writeString(gw.config(), config("  - { name: three, service: nope, paths: [\"/three\"] }"));
            gw.signal("HUP");
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.output().stream()
                    .anyMatch(l -> l.contains("reload rejected")));
            assertThat(gw.output()).anyMatch(l -> l.contains("routes[1].service: service 'nope' is not defined"));
            assertThat(status(gw, "/two")).isEqualTo(200);
            assertThat(status(gw, "/one")).isEqualTo(200);
        }
    }

    @Test
    void sigtermFinishesInFlightRequestsThenExitsZero() throws Exception {
        try (GatewayProcess gw = GatewayProcess.start(config(""))) {
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/slow")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
            gw.process().destroy();
            HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("slow");
            assertThat(gw.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(gw.process().exitValue()).isZero();
            try {
                status(gw, "/one");
                throw new AssertionError("the listener still accepts after SIGTERM");
            } catch (ConnectException expected) {
                // no longer listening
            }
        }
    }
}
