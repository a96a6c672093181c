package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawBackend;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.io.InputStream;
import java.net.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/1.x semantics across the proxy: pipelining, keep-alive, HTTP/1.0, HEAD, 204/304, chunked, trailers. */
class Http1ProtocolTest {

    static TestBackend backend;
    static RawBackend trailers;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        backend.handle("/nocontent", ex -> {
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        backend.handle("/notmodified", ex -> {
            ex.getResponseHeaders().set("ETag", "\"v1\"");
            ex.sendResponseHeaders(304, -1);
            ex.close();
        });
        backend.handle("/stream", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked
            for (int i = 0; i < 5; i++) {
                ex.getResponseBody().write(("part" + i + ";").getBytes());
                ex.getResponseBody().flush();
            }
            ex.close();
        });
        trailers = new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            String head;
            while ((head = RawBackend.readHead(in)) != null) {
                RawBackend.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n"
                        + "5\r\nhello\r\n0\r\nx-checksum: 42\r\n\r\n");
            }
        });
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: b, url: "http://%s" }
                  - { name: t, url: "http://%s" }
                routes:
                  - { name: b, service: b, paths: ["/"] }
                  - { name: t, service: t, paths: ["/trailers"] }
                  - name: slow-plugin
                    service: b
                    paths: ["/async"]
                    plugins: [{ name: test-async, config: { delay_ms: 100 } }]
                access_log: { target: off }
                """.formatted(backend.address(), trailers.address()));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        backend.close();
        trailers.close();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp raw = gw.raw()) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                burst.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            burst.append("POST /p5 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            burst.append("GET /nowhere-but-routed HTTP/1.1\r\nHost: x\r\n\r\n");
            raw.send(burst.toString());
            for (int i = 0; i < 5; i++) {
                assertThat(raw.read().body()).isEqualTo("b GET /p" + i + " body=0");
            }
            assertThat(raw.read().body()).isEqualTo("b POST /p5 body=3");
            assertThat(raw.read().body()).isEqualTo("b GET /nowhere-but-routed body=0");
        }
    }

    @Test
    void requestsPipelinedWhileAPluginDecidesWaitTheirTurn() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /async/1 HTTP/1.1\r\nHost: x\r\n\r\n");
            // the gateway keeps reading while the plugin decides: these arrive during the wait and are held
            Thread.sleep(30);
            raw.send("GET /async/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /p3 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().body()).isEqualTo("b GET /1 body=0");
            assertThat(raw.read().body()).isEqualTo("b GET /2 body=0");
            assertThat(raw.read().body()).isEqualTo("b GET /p3 body=0");
        }
    }

    @Test
    void http10GetsCloseDelimitedOrKeepAliveAsAsked() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /one HTTP/1.0\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.statusLine()).startsWith("HTTP/1.1 200");
            assertThat(r.body()).isEqualTo("b GET /one body=0");
            assertThat(raw.closedByPeer()).isTrue();
        }
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = raw.read();
            // chunked is not HTTP/1.0: the body ends with the connection
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.body()).isEqualTo("part0;part1;part2;part3;part4;");
        }
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");
            raw.send("GET /ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(raw.read().body()).isEqualTo("b GET /ka2 body=0");
        }
    }

    @Test
    void headAnd204And304HaveNoBodyAndKeepTheConnection() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read(true).status()).isEqualTo(200);
            raw.send("GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(204);
            raw.send("GET /notmodified HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"v1\"\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.header("etag")).isEqualTo("\"v1\"");
            raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().body()).isEqualTo("b GET /after body=0");
        }
    }

    @Test
    void chunkedBodiesStreamBothWays() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\nabcd\r\n6\r\nefghij\r\n0\r\n\r\n");
            assertThat(raw.read().body()).isEqualTo("b POST /up body=10");
            raw.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.body()).isEqualTo("part0;part1;part2;part3;part4;");
        }
    }

    @Test
    void responseTrailersArePassedThrough() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /trailers HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.body()).isEqualTo("hello");
            assertThat(r.trailers()).containsEntry("x-checksum", "42");
        }
    }

    @Test
    void expectContinueIsAnsweredByTheGateway() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("POST /expect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response interim = raw.read();
            assertThat(interim.status()).isEqualTo(100);
            raw.send("hello");
            assertThat(raw.read().body()).isEqualTo("b POST /expect body=5");
            assertThat(backend.last().header("Expect")).isNull();
        }
    }

    @Test
    void staleKeepAliveConnectionIsRetriedOnAFreshOne() throws Exception {
        // serves the first request of each connection, then closes under the second without answering
        try (RawBackend flaky = new RawBackend((Socket s, int index) -> {
            InputStream in = s.getInputStream();
            if (RawBackend.readHead(in) == null) {
                return;
            }
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nc" + index);
            RawBackend.readHead(in);
        })) {
            String yaml = """
                    listeners:
                      - name: public
                        address: 127.0.0.1:0
                    services:
                      - { name: f, url: "http://%s" }
                    routes:
                      - { name: f, service: f, paths: ["/"] }
                    access_log: { target: off }
                    """.formatted(flaky.address());
            try (Gateway g = Gateway.start(yaml); RawHttp raw = g.raw()) {
                raw.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(raw.read().body()).isEqualTo("c0");
                raw.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(raw.read().body()).isEqualTo("c1");
                assertThat(flaky.connections()).isEqualTo(2);
            }
        }
    }
}
