package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import dev.gatehouse.testing.TestPlugins;
import org.junit.jupiter.api.Test;

/** Body phases: a plugin sees streamed request and response chunks and can stop a request on its body. */
class BodyPhaseTest {

    @Test
    void pluginsSeeBodyChunksAndCanStopARequest() throws Exception {
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.start("""
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
                      - { name: test-body }
                access_log: { target: off }
                """.formatted(backend.address()))) {
            long before = TestPlugins.BodyGuard.RESPONSE_BYTES.get();
            try (RawHttp raw = gw.raw()) {
                RawHttp.Response ok = raw.send("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").read();
                assertThat(ok.body()).isEqualTo("b POST /a body=11");
                assertThat(TestPlugins.BodyGuard.RESPONSE_BYTES.get() - before).isEqualTo(ok.body().length());
            }
            int seen = backend.seen().size();
            try (RawHttp raw = gw.raw()) {
                RawHttp.Response refused = raw.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\n"
                        + "some forbidden").read();
                assertThat(refused.status()).isEqualTo(422);
                assertThat(refused.body()).contains("forbidden_word");
                assertThat(raw.closedByPeer()).isTrue();
            }
            // the refused body never completed upstream
            assertThat(backend.seen().stream().skip(seen).filter(s -> s.bodyBytes() == 14)).isEmpty();
        }
    }
}
