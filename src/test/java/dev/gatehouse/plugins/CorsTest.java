package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** cors: preflights answered at the gateway, CORS headers on actual responses, exact and regex origins. */
class CorsTest {

    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
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
                      - name: cors
                        config:
                          origins: ["https://app.example.com", "~ ^https://[a-z]+\\\\.example\\\\.org$"]
                          methods: [GET, POST]
                          exposed_headers: [x-backend]
                          credentials: true
                          max_age: 10m
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
            return raw.send(request).read();
        }
    }

    @Test
    void preflightsAreAnsweredAtTheGateway() throws Exception {
        int before = backend.seen().size();
        RawHttp.Response r = send("OPTIONS /api HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n"
                + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n");
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
        assertThat(r.header("access-control-allow-methods")).isEqualTo("GET, POST");
        assertThat(r.header("access-control-allow-headers")).isEqualTo("content-type");
        assertThat(r.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(r.header("access-control-max-age")).isEqualTo("600");
        assertThat(backend.seen()).hasSize(before);
    }

    @Test
    void actualRequestsFromAllowedOriginsGetCorsHeaders() throws Exception {
        RawHttp.Response r = send("GET /api HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example.org\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://shop.example.org");
        assertThat(r.header("access-control-expose-headers")).isEqualTo("x-backend");
        assertThat(r.header("vary")).contains("Origin");
        RawHttp.Response other = send("GET /api HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.test\r\n\r\n");
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.header("access-control-allow-origin")).isNull();
        RawHttp.Response none = send("GET /api HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(none.header("access-control-allow-origin")).isNull();
    }
}
