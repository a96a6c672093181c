package dev.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import dev.gatehouse.testing.TestCertificates;
import dev.gatehouse.testing.TestCertificates.KeyFormat;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 downstream with third-party clients (curl, h2load from nghttp2): h2c with prior knowledge, h2 through
 * ALPN on TLS beside HTTP/1.1, 100 concurrent streams on one connection, uploads, and the rapid-reset guard.
 */
class Http2Test {

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private static Run run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    private static String backendConfig(TestBackend backend, String listener) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                %s
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(listener, backend.address());
    }

    @Test
    void h2cWithPriorKnowledgeCarriesManyStreamsAndUploadsOnOneConnection() throws Exception {
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, backendConfig(backend,
                "    limits: { client_max_body_size: 4m }").replace("access_log: { target: off }",
                "access_log: { target: \"" + dir.resolve("access.log") + "\", format: \"$request_method $request_uri "
                        + "$server_protocol $status\" }"))) {
            String url = "http://127.0.0.1:" + gw.port() + "/h2";
            Run curl = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                    "--http2-prior-knowledge", url));
            assertThat(curl.out()).isEqualTo("200 2");
            // the access log names the client's protocol, as nginx's $server_protocol does
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("access.log"))
                    && Files.readString(dir.resolve("access.log")).contains("GET /h2 HTTP/2.0 200"));
            assertThat(backend.last().header("x-forwarded-proto")).isEqualTo("http");
            assertThat(backend.last().headers().keySet()).noneMatch(h -> h.toLowerCase().startsWith("x-http2"));
            // the same listener still speaks HTTP/1.1
            assertThat(gw.get("/h1").statusCode()).isEqualTo(200);

            Path body = dir.resolve("upload.bin");
            byte[] bytes = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(1).nextBytes(bytes);
            Files.write(body, bytes);
            Run upload = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                    "--http2-prior-knowledge", "--data-binary", "@" + body, url.replace("/h2", "/upload")));
            assertThat(upload.out()).isEqualTo("200 2");
            assertThat(backend.last().bodyBytes()).isEqualTo(bytes.length);
            // h2load: 1 connection, 100 streams at once, 2,000 requests
            Run load = run(List.of("h2load", "-n", "2000", "-c", "1", "-m", "100", url));
            assertThat(load.out()).contains("2000 succeeded, 0 failed").contains("status codes: 2000 2xx");
        }
    }

    @Test
    void tlsListenersOfferH2AndHttp11ThroughAlpn() throws Exception {
        TestCertificates pki = new TestCertificates(dir, "Test CA");
        pki.issue(dir, "site", "api.example", List.of("api.example"), true, KeyFormat.PKCS8);
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, backendConfig(backend,
                "    tls: { certificates: [{ cert: site.pem, key: site-key.pem }] }"))) {
            String resolve = "api.example:" + gw.port() + ":127.0.0.1";
            String url = "https://api.example:" + gw.port() + "/tls";
            Run h2 = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "--http2",
                    "--cacert", pki.caFile().toString(), "--resolve", resolve, url));
            assertThat(h2.out()).isEqualTo("200 2");
            assertThat(backend.last().header("x-forwarded-proto")).isEqualTo("https");
            Run h1 = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", "--http1.1",
                    "--cacert", pki.caFile().toString(), "--resolve", resolve, url));
            assertThat(h1.out()).isEqualTo("200 1.1");
            Run load = run(List.of("h2load", "-n", "500", "-c", "1", "-m", "100", url.replace("api.example",
                    "127.0.0.1")));
            assertThat(load.out()).contains("500 succeeded, 0 failed").contains("Application protocol: h2");
        }
    }

    @Test
    void aConnectionThatResetsStreamsAbusivelyIsClosed() throws Exception {
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, backendConfig(backend, ""));
                Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            frames.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(frames, 0x4, 0, 0, new byte[0]);
            // HPACK: :method GET, :scheme http, :path /, :authority x (literal, indexed name)
            byte[] headers = {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x01, 0x01, 'x'};
            for (int i = 0; i < 400; i++) {
                int stream = 2 * i + 1;
                frame(frames, 0x1, 0x4, stream, headers);
                frame(frames, 0x3, 0, stream, new byte[] {0, 0, 0, 0x8});
            }
            out.write(frames.toByteArray());
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) != -1) {
                    received.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // closed with a reset: as good as a close
            }
            assertThat(goAwaySeen(received.toByteArray())).as("GOAWAY before the close").isTrue();
        }
    }

    /**
     * An upstream that answers before the request body is in: the client gets the whole response (END_STREAM), then
     * at most RST_STREAM(NO_ERROR) to stop its upload, never a reset in place of the answer (RFC 9113, section 8.1).
     * curl 7.88 reports such an exchange as error 92 (curl issue 22984); the frames on the wire are what this checks.
     */
    @Test
    void anEarlyUpstreamAnswerEndsTheStreamBeforeTheUploadIsStopped() throws Exception {
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 10,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> {
                try (Socket c = upstream.accept()) {
                    InputStream in = c.getInputStream();
                    // read the head only (up to the blank line), then answer at once
                    int last4 = 0;
                    int b;
                    while (last4 != 0x0d0a0d0a && (b = in.read()) >= 0) {
                        last4 = last4 << 8 | b;
                    }
                    c.getOutputStream().write("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nno way"
                            .getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().flush();
                    Thread.sleep(2000);
                } catch (Exception ignored) {
                    // the test reads what the gateway made of it
                }
            });
            answering.start();
            String config = String.join("\n", "listeners:", "  - name: public", "    address: 127.0.0.1:0",
                    "services:", "  - { name: s, url: \"http://127.0.0.1:" + upstream.getLocalPort() + "\" }",
                    "routes:", "  - { name: r, service: s, paths: [\"/\"] }", "access_log: { target: off }", "");
            try (Gateway gw = Gateway.startIn(dir, config); Socket s = new Socket("127.0.0.1", gw.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                ByteArrayOutputStream frames = new ByteArrayOutputStream();
                frames.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                frame(frames, 0x4, 0, 0, new byte[0]);
                // HPACK: :method POST, :scheme http, :path /, :authority x; no END_STREAM: a body follows
                frame(frames, 0x1, 0x4, 1, new byte[] {(byte) 0x83, (byte) 0x86, (byte) 0x84, 0x01, 0x01, 'x'});
                frame(frames, 0x0, 0, 1, new byte[1000]);
                out.write(frames.toByteArray());
                out.flush();
                // each frame as {type, flags, stream, error code, length}, until stream 1 is reset or 3 s pass
                List<int[]> seen = new ArrayList<>();
                InputStream in = s.getInputStream();
                s.setSoTimeout(3000);
                try {
                    while (seen.stream().noneMatch(f -> f[0] == 0x3 && f[2] == 1)) {
                        byte[] head = in.readNBytes(9);
                        if (head.length < 9) {
                            break;
                        }
                        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
                        int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8
                                | head[8] & 0xff;
                        byte[] payload = in.readNBytes(length);
                        int code = head[3] == 0x3 ? java.nio.ByteBuffer.wrap(payload).getInt() : -1;
                        seen.add(new int[] {head[3] & 0xff, head[4] & 0xff, stream, code, length});
                        if (head[3] == 0x4 && (head[4] & 0x1) == 0) {
                            // acknowledge the server's SETTINGS, as a client must
                            out.write(new byte[] {0, 0, 0, 0x4, 0x1, 0, 0, 0, 0});
                            out.flush();
                        }
                    }
                } catch (java.net.SocketTimeoutException quiet) {
                    // no reset: the gateway reads the rest of the upload and drops it, which is allowed too
                }
                List<int[]> stream1 = seen.stream().filter(f -> f[2] == 1).toList();
                assertThat(stream1).as("frames on stream 1").isNotEmpty();
                assertThat(stream1.get(0)[0]).as("HEADERS first").isEqualTo(0x1);
                int endStream = -1;
                int reset = -1;
                for (int i = 0; i < stream1.size(); i++) {
                    int[] f = stream1.get(i);
                    if ((f[0] == 0x0 || f[0] == 0x1) && (f[1] & 0x1) != 0 && endStream < 0) {
                        endStream = i;
                    }
                    if (f[0] == 0x3 && reset < 0) {
                        reset = i;
                    }
                }
                assertThat(endStream).as("the response ends its stream").isGreaterThanOrEqualTo(0);
                assertThat(stream1.stream().filter(f -> f[0] == 0x0).mapToInt(f -> f[4]).sum())
                        .as("the whole body").isEqualTo(6);
                if (reset >= 0) {
                    assertThat(reset).as("the reset comes after the whole answer").isGreaterThan(endStream);
                    assertThat(stream1.get(reset)[3]).as("RST_STREAM error code (NO_ERROR)").isZero();
                }
            }
            answering.join(5000);
        }
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        out.write(payload.length >>> 16);
        out.write(payload.length >>> 8);
        out.write(payload.length);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.writeBytes(payload);
    }

    /** Walks the server's frames looking for a GOAWAY (type 7). */
    private static boolean goAwaySeen(byte[] bytes) {
        List<Integer> types = new ArrayList<>();
        int i = 0;
        while (i + 9 <= bytes.length) {
            int length = (bytes[i] & 0xff) << 16 | (bytes[i + 1] & 0xff) << 8 | bytes[i + 2] & 0xff;
            types.add(bytes[i + 3] & 0xff);
            i += 9 + length;
        }
        return types.contains(0x7);
    }
}
