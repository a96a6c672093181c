package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** oauth2-introspection against a real authorization server on loopback, including its failure. */
class OAuth2IntrospectionTest {

    @Test
    void tokensAreIntrospectedCachedScopedAndFailClosed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String expectedAuth = "Basic " + Base64.getEncoder().encodeToString("gateway:s3cret".getBytes());
        HttpServer as = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        as.createContext("/introspect", ex -> {
            calls.incrementAndGet();
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String token = URLDecoder.decode(form.split("&")[0].substring("token=".length()), StandardCharsets.UTF_8);
            long exp = System.currentTimeMillis() / 1000 + 60;
            String body;
            if (!expectedAuth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.sendResponseHeaders(401, -1);
                ex.close();
                return;
            } else if (token.equals("good")) {
                body = "{\"active\":true,\"scope\":\"orders:read profile\",\"client_id\":\"app1\",\"exp\":" + exp + "}";
            } else if (token.equals("narrow")) {
                body = "{\"active\":true,\"scope\":\"profile\",\"client_id\":\"app1\",\"exp\":" + exp + "}";
            } else {
                body = "{\"active\":false}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        as.start();
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                consumers:
                  - username: app1
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: oauth2-introspection
                        config:
                          introspection_url: "http://127.0.0.1:%d/introspect"
                          client_id: gateway
                          client_secret: s3cret
                          required_scopes: ["orders:read"]
                          timeout: 1s
                access_log: { target: off }
                """.formatted(backend.address(), as.getAddress().getPort()))) {
            assertThat(call(gw, "good").status()).isEqualTo(200);
            assertThat(backend.last().header("X-Consumer-Username")).isEqualTo("app1");
            int afterFirst = calls.get();
            assertThat(call(gw, "good").status()).isEqualTo(200);
            assertThat(calls.get()).as("an active answer is cached").isEqualTo(afterFirst);

            RawHttp.Response narrow = call(gw, "narrow");
            assertThat(narrow.status()).isEqualTo(403);
            assertThat(narrow.body()).contains("orders:read");
            assertThat(call(gw, "revoked").status()).isEqualTo(401);
            assertThat(call(gw, null).status()).isEqualTo(401);

            as.stop(0);
            RawHttp.Response down = call(gw, "unknown-while-down");
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.body()).contains("authorization_server_unavailable");
            // a cached active answer still serves
            assertThat(call(gw, "good").status()).isEqualTo(200);
        } finally {
            as.stop(0);
        }
    }

    private static RawHttp.Response call(Gateway gw, String token) throws Exception {
        try (RawHttp raw = gw.raw()) {
            return raw.send("GET /x HTTP/1.1\r\nHost: x\r\n" + (token == null ? "" : "Authorization: Bearer " + token
                    + "\r\n") + "\r\n").read();
        }
    }
}
