package dev.gatehouse.plugins.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** http-log batches JSON entries to a collector; file-log appends JSON lines; credentials are redacted. */
class LogPluginsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void entriesReachTheCollectorInBatchesAndTheFileAsLines() throws Exception {
        List<JsonNode> posted = new CopyOnWriteArrayList<>();
        List<String> headers = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/logs", ex -> {
            headers.add(ex.getRequestHeaders().getFirst("X-Token"));
            posted.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        collector.start();
        Path file = dir.resolve("requests.log");
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: http-log
                        config: { http_endpoint: "http://127.0.0.1:%d/logs", batch_size: 10, flush_interval: 200ms,
                                  headers: { X-Token: abc } }
                      - { name: file-log, config: { path: "%s" } }
                access_log: { target: off }
                """.formatted(backend.address(), collector.getAddress().getPort(), file))) {
            for (int i = 0; i < 5; i++) {
                HttpRequest r = HttpRequest.newBuilder(gw.uri("/item/" + i)).header("Authorization", "Bearer secret")
                        .build();
                assertThat(gw.client().send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> posted.stream().mapToInt(JsonNode::size).sum() == 5);
            assertThat(posted.size()).as("POSTs for 5 entries").isLessThan(5);
            assertThat(headers).containsOnly("abc");
            List<JsonNode> entries = new ArrayList<>();
            posted.forEach(batch -> batch.forEach(entries::add));
            JsonNode first = entries.stream().filter(e -> e.path("request").path("uri").asText().equals("/item/0"))
                    .findFirst().orElseThrow();
            assertThat(first.path("request").path("method").asText()).isEqualTo("GET");
            assertThat(first.path("request").path("headers").path("authorization").asText()).isEqualTo("REDACTED");
            assertThat(first.path("response").path("status").asInt()).isEqualTo(200);
            assertThat(first.path("upstream").path("address").asText()).isEqualTo(backend.address());
            assertThat(first.path("upstream").path("status").asInt()).isEqualTo(200);
            assertThat(first.path("route").path("name").asText()).isEqualTo("r");
            assertThat(first.path("latencies").path("request").asDouble()).isPositive();
            assertThat(first.path("request_id").asText()).isNotEmpty();

            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file)
                    && Files.readAllLines(file).size() == 5);
            for (String line : Files.readAllLines(file)) {
                assertThat(JSON.readTree(line).path("service").path("name").asText()).isEqualTo("s");
            }
        } finally {
            collector.stop(0);
        }
    }
}
