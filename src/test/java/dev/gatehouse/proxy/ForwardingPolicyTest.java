package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawBackend;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Trusted proxies, upstream keep-alive expiry, close-delimited upstream bodies and the JSON access log file. */
class ForwardingPolicyTest {

    @Test
    void trustedProxiesKeepAndAppendForwardedHeaders() throws Exception {
        try (TestBackend b = new TestBackend("b"); Gateway gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                trusted_proxies: ["127.0.0.0/8"]
                services:
                  - { name: b, url: "http://%s" }
                routes:
                  - { name: b, service: b, paths: ["/"] }
                access_log: { target: off }
                """.formatted(b.address())); RawHttp raw = gw.raw()) {
            raw.send("GET /t HTTP/1.1\r\nHost: inner\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
                    + "X-Forwarded-Host: shop.example\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);
            var seen = b.last();
            assertThat(seen.header("X-Forwarded-For")).isEqualTo("203.0.113.7, 127.0.0.1");
            assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("https");
            assertThat(seen.header("X-Forwarded-Host")).isEqualTo("shop.example");
            assertThat(seen.header("X-Forwarded-Port")).isEqualTo("443");
            assertThat(seen.header("X-Real-IP")).isEqualTo("203.0.113.7");
        }
    }

    @Test
    void idleUpstreamConnectionsExpireAndAreReplaced() throws Exception {
        try (TestBackend b = new TestBackend("b"); Gateway gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                upstreams:
                  - name: u
                    targets: [{ address: %s }]
                    keepalive: { max_idle_per_target: 4, idle_timeout: 200ms }
                services:
                  - { name: b, upstream: u }
                routes:
                  - { name: b, service: b, paths: ["/"] }
                access_log: { target: off }
                """.formatted(b.address()))) {
            assertThat(gw.get("/1").statusCode()).isEqualTo(200);
            assertThat(gw.get("/2").statusCode()).isEqualTo(200);
            assertThat(b.clientPorts()).hasSize(1);
            // the pool sweeps once a second; after it, the next request needs a new connection
            Thread.sleep(1500);
            assertThat(gw.get("/3").statusCode()).isEqualTo(200);
            assertThat(b.clientPorts()).hasSize(2);
        }
    }

    @Test
    void closeDelimitedUpstreamBodiesAreRechunkedForTheClient() throws Exception {
        try (RawBackend origin = new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            RawBackend.readHead(in);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-the-end");
        }); Gateway gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: o, url: "http://%s" }
                routes:
                  - { name: o, service: o, paths: ["/"] }
                access_log: { target: off }
                """.formatted(origin.address())); RawHttp raw = gw.raw()) {
            raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.body()).isEqualTo("until-the-end");
            raw.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().body()).isEqualTo("until-the-end");
        }
    }

    @Test
    void jsonAccessLogGoesToAFile() throws Exception {
        Path log = Files.createTempFile("gatehouse-access", ".log");
        try (TestBackend b = new TestBackend("b"); Gateway gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: b, url: "http://%s" }
                routes:
                  - { name: api, service: b, paths: ["/api"] }
                access_log: { target: "%s", format: json }
                """.formatted(b.address(), log))) {
            assertThat(gw.get("/api/x?y=1").statusCode()).isEqualTo(200);
            assertThat(gw.get("/missing").statusCode()).isEqualTo(404);
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readAllLines(log).size() == 2);
        }
        List<String> lines = Files.readAllLines(log);
        ObjectMapper json = new ObjectMapper();
        JsonNode ok = json.readTree(lines.get(0));
        assertThat(ok.get("method").asText()).isEqualTo("GET");
        assertThat(ok.get("uri").asText()).isEqualTo("/api/x?y=1");
        assertThat(ok.get("status").asInt()).isEqualTo(200);
        assertThat(ok.get("route").asText()).isEqualTo("api");
        assertThat(ok.get("upstream_attempts").asInt()).isEqualTo(1);
        assertThat(ok.get("request_id").asText()).hasSize(16);
        JsonNode missing = json.readTree(lines.get(1));
        assertThat(missing.get("status").asInt()).isEqualTo(404);
        assertThat(missing.get("route").isNull()).isTrue();
    }
}
