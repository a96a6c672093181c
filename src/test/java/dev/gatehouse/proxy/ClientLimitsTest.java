package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malformed and oversized requests, smuggling shapes and client timeouts. */
class ClientLimitsTest {

    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    limits:
                      max_request_line: 1k
                      max_header_size: 2k
                      max_headers: 20
                      client_max_body_size: 100
                      header_timeout: 400ms
                      body_timeout: 400ms
                      keepalive_timeout: 400ms
                services:
                  - { name: b, url: "http://%s" }
                routes:
                  - { name: b, service: b, paths: ["/"] }
                  - { name: big, service: b, paths: ["/big"], client_max_body_size: 1k }
                access_log: { target: off }
                """.formatted(backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    private static RawHttp.Response send(String request) throws Exception {
        try (RawHttp raw = gw.raw()) {
            RawHttp.Response r = raw.send(request).read();
            if (r.status() >= 400) {
                assertThat(raw.closedByPeer()).as("closed after %s", r.status()).isTrue();
            }
            return r;
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "bad header line | GET / HTTP/1.1\\r\\nHost: x\\r\\nNo colon here\\r\\n\\r\\n | 400",
            "not a path | GET nopath HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400",
            "no host | GET / HTTP/1.1\\r\\n\\r\\n | 400",
            "two hosts | GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n | 400",
            "CL and TE | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n | 400",
            "two lengths | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd | 400",
            "bad length | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3x\\r\\n\\r\\nabc | 400",
            "TE not chunked | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\nabc | 400",
            "bad chunk size | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\nabc\\r\\n0\\r\\n\\r\\n | 400",
            "space before colon | GET / HTTP/1.1\\r\\nHost : x\\r\\n\\r\\n | 400",
            "length over limit | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 101\\r\\n\\r\\n | 413",
            "chunked over limit | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n65\\r\\n"
                    + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789X"
                    + "\\r\\n0\\r\\n\\r\\n | 413",
            "expectation | GET / HTTP/1.1\\r\\nHost: x\\r\\nExpect: magic\\r\\n\\r\\n | 417"})
    void malformedOrOversizedRequestsAreRejected(String name, String request, int status) throws Exception {
        int before = backend.seen().size();
        RawHttp.Response r = send(request.replace("\\r\\n", "\r\n"));
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(backend.seen()).hasSize(before);
    }

    @Test
    void longRequestLineIs414AndLargeHeadersAre431() throws Exception {
        assertThat(send("GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(414);
        assertThat(send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(3000) + "\r\n\r\n").status())
                .isEqualTo(431);
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 25; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        assertThat(send(many.append("\r\n").toString()).status()).isEqualTo(431);
    }

    @Test
    void routeOverridesTheBodyLimit() throws Exception {
        String body = "x".repeat(500);
        RawHttp.Response r = send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n" + body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b POST / body=500");
    }

    @Test
    void slowHeadersGet408() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.body()).contains("header_timeout");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void slowBodyGets408() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void idleKeepAliveConnectionsAreClosed() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);
            raw.timeout(3000);
            long start = System.nanoTime();
            assertThat(raw.closedByPeer()).isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(200L, 2500L);
        }
    }
}
