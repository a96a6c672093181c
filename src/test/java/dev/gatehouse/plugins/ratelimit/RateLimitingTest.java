package dev.gatehouse.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** rate-limiting over real sockets: 429 with Retry-After, keys with fallback, Kong and IETF headers. */
class RateLimitingTest {

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
                  - name: kong
                    service: s
                    paths: ["/kong"]
                    plugins:
                      - name: rate-limiting
                        config:
                          limits: [{ requests: 3, per: 1m }]
                          hour: 100
                          limit_by: ["header:x-client", ip]
                  - name: ietf
                    service: s
                    paths: ["/ietf"]
                    plugins:
                      - name: rate-limiting
                        config: { minute: 2, headers: ietf, algorithm: fixed-window, error_message: "slow down" }
                  - name: hidden
                    service: s
                    paths: ["/hidden"]
                    plugins:
                      - { name: rate-limiting, config: { second: 1000, hide_client_headers: true } }
                access_log: { target: off }
                """.formatted(backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    private static RawHttp.Response get(String path, String headers) throws Exception {
        return gw.rawGet(path, headers);
    }

    @Test
    void theFourthRequestInAMinuteIsRefusedPerKey() throws Exception {
        for (int i = 0; i < 3; i++) {
            RawHttp.Response ok = get("/kong", "X-Client: a\r\n");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("x-ratelimit-limit-minute")).isEqualTo("3");
            assertThat(ok.header("x-ratelimit-remaining-minute")).isEqualTo(String.valueOf(2 - i));
            assertThat(ok.header("x-ratelimit-limit-hour")).isEqualTo("100");
            assertThat(ok.header("ratelimit-limit")).isEqualTo("3");
        }
        int before = backend.seen().size();
        RawHttp.Response refused = get("/kong", "X-Client: a\r\n");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.body()).contains("\"error\":\"rate_limited\"").contains("API rate limit exceeded");
        assertThat(Long.parseLong(refused.header("retry-after"))).isBetween(1L, 60L);
        assertThat(refused.header("ratelimit-remaining")).isEqualTo("0");
        assertThat(backend.seen()).hasSize(before);
        // another key has its own counters; without the header, the client address is the key
        assertThat(get("/kong", "X-Client: b\r\n").status()).isEqualTo(200);
        assertThat(get("/kong", "").status()).isEqualTo(200);
    }

    @Test
    void ietfHeadersAndCustomMessages() throws Exception {
        RawHttp.Response ok = get("/ietf", "");
        assertThat(ok.header("ratelimit-policy")).isEqualTo("\"minute\";q=2;w=60");
        assertThat(ok.header("ratelimit")).startsWith("\"minute\";r=1;t=");
        get("/ietf", "");
        RawHttp.Response refused = get("/ietf", "");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.body()).contains("slow down");
    }

    @Test
    void clientHeadersCanBeHidden() throws Exception {
        RawHttp.Response ok = get("/hidden", "");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.headers().keySet()).noneMatch(h -> h.startsWith("ratelimit") || h.startsWith("x-ratelimit"));
    }

    @Test
    void policyRedisNeedsTheRedisBlock() {
        assertThatThrownBy(() -> Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: s, url: "http://127.0.0.1:1" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - { name: rate-limiting, config: { second: 1, policy: redis, limit_by: [nonsense] } }
                """)).hasMessageContaining("policy: redis needs the top-level redis: block");
    }
}
