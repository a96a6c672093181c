package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Plugins per consumer: consumer+route > consumer+service > consumer > route > service > global. */
class ConsumerScopeTest {

    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                plugins:
                  - name: key-auth
                  - name: request-transformer
                    config: { add: { headers: ["x-tier:global"] } }
                consumers:
                  - username: alice
                    credentials: { key-auth: [{ key: a }] }
                    plugins:
                      - { name: request-transformer, config: { add: { headers: ["x-tier:alice"] } } }
                      - { name: request-transformer, service: s, config: { add: { headers: ["x-tier:alice+service"] } } }
                      - { name: request-transformer, route: r2, config: { add: { headers: ["x-tier:alice+route"] } } }
                  - username: bob
                    credentials: { key-auth: [{ key: b }] }
                    plugins:
                      - name: request-termination
                        route: r2
                        config: { status_code: 403, message: "bob may not use r2" }
                  - username: carol
                    credentials: { key-auth: [{ key: c }] }
                services:
                  - { name: s, url: "http://%1$s" }
                  - { name: t, url: "http://%1$s" }
                routes:
                  - { name: r1, service: s, paths: ["/r1"] }
                  - { name: r2, service: s, paths: ["/r2"] }
                  - { name: r3, service: t, paths: ["/r3"] }
                access_log: { target: off }
                """.formatted(backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    private static RawHttp.Response get(String path, String key) throws Exception {
        try (RawHttp raw = gw.raw()) {
            return raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\napikey: " + key + "\r\n\r\n").read();
        }
    }

    private static String tierSeenFor(String path, String key) throws Exception {
        assertThat(get(path, key).status()).isEqualTo(200);
        return backend.last().header("x-tier");
    }

    @Test
    void theMostSpecificConsumerEntryWins() throws Exception {
        assertThat(tierSeenFor("/r2", "a")).isEqualTo("alice+route");
        assertThat(tierSeenFor("/r1", "a")).isEqualTo("alice+service");
        assertThat(tierSeenFor("/r3", "a")).isEqualTo("alice");
        assertThat(tierSeenFor("/r1", "c")).isEqualTo("global");
    }

    @Test
    void aConsumerRouteEntryCanRefuse() throws Exception {
        RawHttp.Response r = get("/r2", "b");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("bob may not use r2");
        assertThat(tierSeenFor("/r1", "b")).isEqualTo("global");
    }

    @Test
    void authenticationCannotBeConfiguredPerConsumer() {
        assertThatThrownBy(() -> Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                consumers:
                  - username: dave
                    plugins:
                      - { name: key-auth, route: nowhere }
                services:
                  - { name: s, url: "http://127.0.0.1:1" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                """)).hasMessageContaining("consumers[0].plugins[0].name: 'key-auth' runs before authentication")
                .hasMessageContaining("consumers[0].plugins[0].route: route 'nowhere' is not defined");
    }
}
