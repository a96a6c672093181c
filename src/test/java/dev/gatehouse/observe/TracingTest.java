package dev.gatehouse.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** W3C trace context through the gateway, spans exported over OTLP/HTTP, and the trace id in the access log. */
class TracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    @TempDir
    Path dir;

    private String config(TestBackend backend, String tracing) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                %s
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: "%s", format: "$trace_id $status $upstream_status $route" }
                """.formatted(tracing, backend.address(), dir.resolve("access.log"));
    }

    private static int get(Gateway gw, String traceparent) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/x"));
        if (traceparent != null) {
            b.header("traceparent", traceparent).header("tracestate", "vendor=1");
        }
        return gw.client().send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void theUpstreamSeesTheGatewaySpanAndTheCollectorGetsIt() throws Exception {
        List<byte[]> exported = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", ex -> {
            exported.add(ex.getRequestBody().readAllBytes());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        try (TestBackend backend = new TestBackend("b");
                Gateway gw = Gateway.startIn(dir, config(backend, "tracing: { otlp_endpoint: "
                        + "\"http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces\", "
                        + "sampling_ratio: 1.0, service_name: edge }"))) {
            assertThat(get(gw, "00-" + TRACE + "-" + CLIENT_SPAN + "-01")).isEqualTo(200);
            String forwarded = backend.last().header("traceparent");
            assertThat(forwarded).startsWith("00-" + TRACE + "-").endsWith("-01").hasSize(55);
            assertThat(forwarded.substring(36, 52)).isNotEqualTo(CLIENT_SPAN);
            assertThat(backend.last().header("tracestate")).isEqualTo("vendor=1");

            // no (or a broken) traceparent: a new trace starts at the gateway
            assertThat(get(gw, null)).isEqualTo(200);
            String started = backend.last().header("traceparent");
            assertThat(started).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]");
            assertThat(get(gw, "00-not-a-trace")).isEqualTo(200);
            assertThat(backend.last().header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]")
                    .doesNotContain("not-a-trace");

            byte[] traceBytes = HexFormat.of().parseHex(TRACE);
            await().atMost(Duration.ofSeconds(15)).until(() -> exported.stream().anyMatch(body ->
                    indexOf(body, traceBytes) >= 0 && new String(body, java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains("edge")));
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(dir.resolve("access.log"))
                    .contains(TRACE + " 200 200 r"));
        } finally {
            collector.stop(0);
        }
    }

    @Test
    void withTracingOffTheClientsContextPassesUntouchedAndIsLogged() throws Exception {
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, config(backend, ""))) {
            String traceparent = "00-" + TRACE + "-" + CLIENT_SPAN + "-01";
            assertThat(get(gw, traceparent)).isEqualTo(200);
            assertThat(backend.last().header("traceparent")).isEqualTo(traceparent);
            assertThat(get(gw, null)).isEqualTo(200);
            assertThat(backend.last().header("traceparent")).isNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(dir.resolve("access.log"))
                    .contains(TRACE + " 200 200 r") && Files.readString(dir.resolve("access.log"))
                    .contains("- 200 200 r"));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
