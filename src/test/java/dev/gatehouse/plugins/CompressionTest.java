package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.github.luben.zstd.ZstdInputStream;
import com.sun.net.httpserver.HttpExchange;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * compression: each coding negotiated from Accept-Encoding and decoded by an independent decoder (the JDK's gzip,
 * brotli4j's and zstd-jni's decoders); what must not be compressed is not; headers fixed; optional decompression.
 */
class CompressionTest {

    static final byte[] JSON = json(64 * 1024);
    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        backend.handle("/json", ex -> send(ex, 200, "application/json; charset=utf-8", JSON, "\"v1\"", false));
        backend.handle("/small", ex -> send(ex, 200, "application/json", "{\"a\":1}".getBytes(), null, false));
        backend.handle("/png", ex -> send(ex, 200, "image/png", JSON, null, false));
        backend.handle("/streamed", ex -> send(ex, 200, "text/plain", JSON, null, true));
        backend.handle("/no-transform", ex -> {
            ex.getResponseHeaders().set("Cache-Control", "no-transform");
            send(ex, 200, "application/json", JSON, null, false);
        });
        backend.handle("/gzipped", ex -> {
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            send(ex, 200, "application/json", gzip(JSON), null, false);
        });
        backend.handle("/broken-gzip", ex -> {
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            byte[] garbage = new byte[4096];
            java.util.Arrays.fill(garbage, (byte) 7);
            send(ex, 200, "application/json", garbage, null, false);
        });
        backend.handle("/range", ex -> {
            ex.getResponseHeaders().set("Content-Range", "bytes 0-99/65536");
            send(ex, 206, "application/json", java.util.Arrays.copyOf(JSON, 100), null, false);
        });
        gw = Gateway.start("""
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
                      - name: compression
                  - name: gunzip
                    service: s
                    paths: ["/gunzip"]
                    strip_path: true
                    plugins:
                      - name: compression
                        config: { decompress: true }
                access_log: { target: off }
                """.formatted(backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    static byte[] json(int size) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; sb.length() < size - 80; i++) {
            sb.append("{\"id\":").append(i).append(",\"name\":\"item-").append(i)
                    .append("\",\"tags\":[\"alpha\",\"beta\"],\"price\":").append(i * 7 % 1000).append("},");
        }
        sb.setLength(sb.length() - 1);
        sb.append(']');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void send(HttpExchange ex, int status, String type, byte[] body, String etag, boolean chunked)
            throws IOException {
        ex.getRequestBody().readAllBytes();
        ex.getResponseHeaders().set("Content-Type", type);
        if (etag != null) {
            ex.getResponseHeaders().set("ETag", etag);
        }
        ex.sendResponseHeaders(status, chunked ? 0 : body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri(path));
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return gw.client().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static byte[] decode(String coding, byte[] body) throws IOException {
        return switch (coding) {
            case "gzip" -> readAll(new GZIPInputStream(new ByteArrayInputStream(body)));
            case "zstd" -> readAll(new ZstdInputStream(new ByteArrayInputStream(body)));
            case "br" -> {
                Brotli4jLoader.ensureAvailability();
                yield Decoder.decompress(body).getDecompressedData();
            }
            default -> throw new IllegalArgumentException(coding);
        };
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    void eachCodingIsNegotiatedAndRoundTrips() throws Exception {
        for (String coding : new String[] {"gzip", "br", "zstd"}) {
            HttpResponse<byte[]> r = get("/json", coding);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-encoding")).hasValue(coding);
            assertThat(r.headers().firstValue("content-length")).isEmpty();
            assertThat(r.headers().firstValue("vary")).hasValue("Accept-Encoding");
            assertThat(r.headers().firstValue("etag")).hasValue("W/\"v1\"");
            assertThat(r.body().length).isLessThan(JSON.length / 4);
            assertThat(decode(coding, r.body())).isEqualTo(JSON);
        }
    }

    @Test
    void qValuesDecideAndTiesGoToTheGatewaysPreference() throws Exception {
        assertThat(get("/json", "gzip;q=1.0, br;q=0.5, zstd;q=0.1").headers().firstValue("content-encoding"))
                .hasValue("gzip");
        assertThat(get("/json", "gzip, deflate, br, zstd").headers().firstValue("content-encoding"))
                .hasValue("zstd");
        assertThat(get("/json", "gzip, br").headers().firstValue("content-encoding")).hasValue("br");
        assertThat(get("/json", "*;q=0.5, zstd;q=0").headers().firstValue("content-encoding")).hasValue("br");
        HttpResponse<byte[]> refused = get("/json", "gzip;q=0, identity");
        assertThat(refused.headers().firstValue("content-encoding")).isEmpty();
        assertThat(refused.body()).isEqualTo(JSON);
        HttpResponse<byte[]> none = get("/json", null);
        assertThat(none.headers().firstValue("content-encoding")).isEmpty();
        assertThat(none.headers().firstValue("content-length")).hasValue(String.valueOf(JSON.length));
        assertThat(none.headers().firstValue("vary")).hasValue("Accept-Encoding");
    }

    @Test
    void aStreamedBodyIsCompressedAsItComes() throws Exception {
        HttpResponse<byte[]> r = get("/streamed", "gzip");
        assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(decode("gzip", r.body())).isEqualTo(JSON);
    }

    @Test
    void whatMustNotBeCompressedIsNot() throws Exception {
        for (String path : new String[] {"/small", "/png", "/no-transform", "/range"}) {
            HttpResponse<byte[]> r = get(path, "gzip, br, zstd");
            assertThat(r.headers().firstValue("content-encoding")).as(path).isEmpty();
        }
        HttpResponse<byte[]> already = get("/gzipped", "gzip, br, zstd");
        assertThat(already.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(decode("gzip", already.body())).isEqualTo(JSON);
    }

    @Test
    void headRequestsGetTheHeadersOfTheCompressedGet() throws Exception {
        HttpResponse<byte[]> r = gw.client().send(HttpRequest.newBuilder(gw.uri("/json"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(r.body()).isEmpty();
    }

    @Test
    void aBodyThatCannotBeDecodedCutsTheResponseAndTheGatewayGoesOn() throws Exception {
        // the head went out before the body proved broken: the client must not take a truncated body for a whole one
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> get("/gunzip/broken-gzip", null))
                .isInstanceOf(java.io.IOException.class);
        assertThat(get("/json", "gzip").statusCode()).isEqualTo(200);
    }

    @Test
    void http2ClientsGetCompressedStreamsToo() throws Exception {
        for (String coding : new String[] {"gzip", "br", "zstd"}) {
            Process curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-H",
                    "Accept-Encoding: " + coding, "-D", "/dev/stderr", "--max-time", "10",
                    "http://127.0.0.1:" + gw.port() + "/json").start();
            byte[] body = curl.getInputStream().readAllBytes();
            String head = new String(curl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            curl.waitFor();
            assertThat(head).startsWith("HTTP/2 200").containsIgnoringCase("content-encoding: " + coding);
            assertThat(decode(coding, body)).isEqualTo(JSON);
        }
    }

    @Test
    void anEncodedBodyIsDecodedForAClientThatDoesNotAcceptIt() throws Exception {
        HttpResponse<byte[]> plain = get("/gunzip/gzipped", null);
        assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
        assertThat(plain.body()).isEqualTo(JSON);
        HttpResponse<byte[]> kept = get("/gunzip/gzipped", "gzip");
        assertThat(kept.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(decode("gzip", kept.body())).isEqualTo(JSON);
    }
}
