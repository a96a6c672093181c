package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routing, rewriting, forwarded headers and load balancing through a real gateway to real backends. */
class ProxyBasicsTest {

    static TestBackend a;
    static TestBackend b;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        a = new TestBackend("a");
        b = new TestBackend("b");
        a.handle("/hop", exchange -> {
            exchange.getResponseHeaders().add("Connection", "X-Secret-Hop");
            exchange.getResponseHeaders().add("X-Secret-Hop", "1");
            exchange.getResponseHeaders().add("Keep-Alive", "timeout=5");
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("ok".getBytes());
            exchange.close();
        });
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                trusted_proxies: ["10.0.0.0/8"]
                upstreams:
                  - name: weighted
                    algorithm: weighted-round-robin
                    targets:
                      - { address: %1$s, weight: 3 }
                      - { address: %2$s, weight: 1 }
                  - name: only-a
                    targets: [{ address: %1$s }]
                services:
                  - { name: weighted, upstream: weighted }
                  - { name: a, upstream: only-a }
                  - { name: a-base, url: "http://%1$s/base" }
                routes:
                  - { name: weighted, service: weighted, paths: ["/lb"] }
                  - { name: strip, service: a, paths: ["/strip"], strip_path: true }
                  - { name: keep, service: a, paths: ["/keep"], strip_path: false }
                  - { name: preserve, service: a, paths: ["/preserve"], preserve_host: true }
                  - { name: base, service: a-base, paths: ["/based"] }
                  - { name: hop, service: a, paths: ["/hop"], strip_path: false }
                  - { name: v2, service: a, paths: ["/api"], headers: { x-version: ["2"] } }
                  - { name: exact, service: a, paths: ["= /exact"], methods: [GET] }
                  - { name: host, service: a, hosts: ["*.example.org"], paths: ["/"] }
                access_log: { target: off }
                """.formatted(a.address(), b.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        a.close();
        b.close();
    }

    @Test
    void weightedRoundRobinSplitsByWeightAndReusesConnections() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            HttpResponse<String> r = gw.get("/lb/x");
            assertThat(r.statusCode()).isEqualTo(200);
            counts.merge(r.headers().firstValue("x-backend").orElseThrow(), 1, Integer::sum);
        }
        // smooth WRR is exact over whole cycles of 4
        assertThat(counts).containsEntry("a", 300).containsEntry("b", 100);
        // sequential requests over keep-alive: a handful of upstream connections, not hundreds
        assertThat(a.clientPorts().size() + b.clientPorts().size()).isLessThanOrEqualTo(8);
    }

    @Test
    void stripPathPreserveHostAndServiceBasePath() throws Exception {
        assertThat(gw.get("/strip/users/1?q=2").body()).isEqualTo("a GET /users/1?q=2 body=0");
        assertThat(gw.get("/strip").body()).isEqualTo("a GET / body=0");
        assertThat(gw.get("/keep/users").body()).isEqualTo("a GET /keep/users body=0");
        assertThat(gw.get("/based/x").body()).isEqualTo("a GET /base/x body=0");
        assertThat(a.last().header("Host")).isEqualTo(a.address());
        gw.get("/preserve/x");
        assertThat(a.last().header("Host")).isEqualTo("127.0.0.1:" + gw.port());
    }

    @Test
    void routesByHeaderMethodExactPathAndWildcardHost() throws Exception {
        assertThat(gw.get("/api").statusCode()).isEqualTo(404);
        var withHeader = gw.client().send(HttpRequest.newBuilder(gw.uri("/api/z")).header("X-Version", "2").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(withHeader.statusCode()).isEqualTo(200);
        assertThat(gw.get("/exact").statusCode()).isEqualTo(200);
        assertThat(gw.get("/exact/no").statusCode()).isEqualTo(404);
        var post = gw.client().send(HttpRequest.newBuilder(gw.uri("/exact")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(404);
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /anything HTTP/1.1\r\nHost: shop.Example.org:8080\r\n\r\n");
            assertThat(raw.read().body()).isEqualTo("a GET /anything body=0");
            raw.send("GET http://x.example.org/abs HTTP/1.1\r\nHost: ignored.test\r\n\r\n");
            assertThat(raw.read().body()).isEqualTo("a GET /abs body=0");
        }
    }

    @Test
    void noRouteIsJson404WithRequestId() throws Exception {
        HttpResponse<String> r = gw.get("/nowhere");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        assertThat(r.body()).contains("\"error\":\"no_route\"").contains("\"request_id\":\"" + id + "\"");
    }

    @Test
    void forwardedHeadersAreSetForUntrustedClients() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /strip/f HTTP/1.1\r\nHost: front.test\r\nX-Forwarded-For: 6.6.6.6\r\n"
                    + "X-Forwarded-Proto: https\r\nX-Real-IP: 6.6.6.6\r\nX-Request-Id: abc-123\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);
        }
        var seen = a.last();
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.header("X-Forwarded-Host")).isEqualTo("front.test");
        assertThat(seen.header("X-Forwarded-Port")).isEqualTo(String.valueOf(gw.port()));
        assertThat(seen.header("X-Real-IP")).isEqualTo("127.0.0.1");
        assertThat(seen.header("X-Request-Id")).isEqualTo("abc-123");
    }

    @Test
    void hopByHopHeadersAreRemovedBothWays() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /hop HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Drop-Me\r\nX-Drop-Me: 1\r\n"
                    + "Keep-Alive: 300\r\nProxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\n"
                    + "TE: trailers\r\nUpgrade: foo\r\nX-Kept: yes\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.body()).isEqualTo("ok");
            assertThat(r.headers()).doesNotContainKeys("x-secret-hop", "keep-alive", "connection");
        }
        var seen = a.last();
        assertThat(seen.header("X-Kept")).isEqualTo("yes");
        for (String hop : new String[] {"X-Drop-Me", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "TE",
                "Upgrade"}) {
            assertThat(seen.header(hop)).as(hop).isNull();
        }
    }
}
