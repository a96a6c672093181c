package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testing.GatewayProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 1 GiB up and 1 GiB down through a gateway whose heap is 128 MiB: only streaming with back-pressure passes.
 */
class LargeBodyStreamingTest {

    static final long GIB = 1L << 30;
    static HttpServer backend;
    static GatewayProcess gateway;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        backend.setExecutor(Executors.newFixedThreadPool(4));
        backend.createContext("/upload", ex -> {
            long n;
            try (InputStream in = ex.getRequestBody()) {
                n = in.transferTo(OutputStream.nullOutputStream());
            }
            byte[] out = String.valueOf(n).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        backend.createContext("/download", ex -> {
            ex.sendResponseHeaders(200, GIB);
            byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = ex.getResponseBody()) {
                for (long sent = 0; sent < GIB; sent += chunk.length) {
                    out.write(chunk);
                }
            }
        });
        backend.start();
        gateway = GatewayProcess.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    limits: { client_max_body_size: 0 }
                services:
                  - { name: big, url: "http://127.0.0.1:%d" }
                routes:
                  - { name: big, service: big, paths: ["/"] }
                access_log: { target: off }
                """.formatted(backend.getAddress().getPort()), "-Xmx128m", "-XX:MaxDirectMemorySize=128m");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.stop(0);
    }

    @Test
    void oneGibUploadStreams() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/upload"))
                .timeout(Duration.ofMinutes(3))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new ZeroStream(GIB)), GIB))
                .build();
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(String.valueOf(GIB));
        assertThat(gateway.process().isAlive()).isTrue();
    }

    @Test
    void oneGibDownloadStreams() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/download"))
                .timeout(Duration.ofMinutes(3)).build();
        HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        long n;
        try (InputStream in = r.body()) {
            n = in.transferTo(OutputStream.nullOutputStream());
        }
        assertThat(n).isEqualTo(GIB);
        assertThat(gateway.process().isAlive()).isTrue();
    }

    /** {@code length} zero bytes, generated, never held in memory. */
    static final class ZeroStream extends InputStream {
        private long left;

        ZeroStream(long length) {
            this.left = length;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
