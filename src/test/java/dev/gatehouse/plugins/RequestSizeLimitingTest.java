package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import org.junit.jupiter.api.Test;

/** request-size-limiting: Content-Length over the limit at once, chunked bodies while they stream. */
class RequestSizeLimitingTest {

    @Test
    void bodiesOverTheLimitGet413() throws Exception {
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
                      - { name: request-size-limiting, config: { allowed_payload_size: 10 } }
                access_log: { target: off }
                """.formatted(backend.address()))) {
            try (RawHttp raw = gw.raw()) {
                raw.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
                assertThat(raw.read().body()).isEqualTo("b POST /a body=5");
            }
            try (RawHttp raw = gw.raw()) {
                RawHttp.Response r = raw.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(413);
            }
            try (RawHttp raw = gw.raw()) {
                RawHttp.Response r = raw.send("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(413);
                assertThat(raw.closedByPeer()).isTrue();
            }
        }
    }
}
