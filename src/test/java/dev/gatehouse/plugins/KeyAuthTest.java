package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** key-auth with consumers: valid, invalid, missing, hashed, spoofed and anonymous cases over real sockets. */
class KeyAuthTest {

    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        String bobDigest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("bob-key".getBytes(StandardCharsets.UTF_8)));
        backend = new TestBackend("b");
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                consumers:
                  - username: alice
                    custom_id: "42"
                    groups: [gold]
                    credentials:
                      key-auth: [{ key: alice-key }]
                  - username: bob
                    credentials:
                      key-auth: [{ key_sha256: %s }]
                  - username: guest
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: keyed
                    service: s
                    paths: ["/keyed"]
                    plugins:
                      - name: key-auth
                        config: { key_names: [apikey, x-api-key], hide_credentials: true }
                  - name: open
                    service: s
                    paths: ["/open"]
                    plugins:
                      - name: key-auth
                        config: { anonymous: guest }
                access_log: { target: off }
                """.formatted(bobDigest, backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    private static RawHttp.Response get(String target, String headers) throws Exception {
        return gw.rawGet(target, headers);
    }

    @Test
    void missingAndInvalidKeysGet401WithoutReachingTheUpstream() throws Exception {
        int before = backend.seen().size();
        RawHttp.Response missing = get("/keyed", "");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("www-authenticate")).isEqualTo("Key realm=\"gatehouse\"");
        assertThat(missing.body()).contains("\"error\":\"unauthorized\"").contains("no API key");
        RawHttp.Response invalid = get("/keyed", "apikey: nope\r\n");
        assertThat(invalid.status()).isEqualTo(401);
        assertThat(invalid.body()).contains("invalid authentication credentials");
        assertThat(backend.seen()).hasSize(before);
    }

    @Test
    void aValidKeyIdentifiesTheConsumerAndIsHidden() throws Exception {
        RawHttp.Response r = get("/keyed/orders", "X-Api-Key: alice-key\r\nX-Consumer-Username: mallory\r\n");
        assertThat(r.status()).isEqualTo(200);
        var seen = backend.last();
        assertThat(seen.header("X-Consumer-Username")).isEqualTo("alice");
        assertThat(seen.header("X-Consumer-Custom-ID")).isEqualTo("42");
        assertThat(seen.header("X-Consumer-ID")).hasSize(36);
        assertThat(seen.header("X-Credential-Identifier")).hasSize(36).isNotEqualTo("alice-key");
        assertThat(seen.header("X-Api-Key")).isNull();
        assertThat(seen.header("X-Anonymous-Consumer")).isNull();
    }

    @Test
    void hashedKeysAndQueryParametersWork() throws Exception {
        RawHttp.Response r = get("/keyed?apikey=bob-key", "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(backend.last().header("X-Consumer-Username")).isEqualTo("bob");
    }

    @Test
    void spoofedIdentityHeadersNeverReachTheUpstream() throws Exception {
        RawHttp.Response r = get("/open", "X-Consumer-Username: admin\r\nX-Consumer-ID: forged\r\n");
        assertThat(r.status()).isEqualTo(200);
        var seen = backend.last();
        assertThat(seen.header("X-Consumer-Username")).isEqualTo("guest");
        assertThat(seen.header("X-Consumer-ID")).isNotEqualTo("forged");
        assertThat(seen.header("X-Anonymous-Consumer")).isEqualTo("true");
    }

    @Test
    void credentialMistakesAreConfigErrors() {
        assertThatThrownBy(() -> Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                consumers:
                  - username: carol
                    credentials:
                      key-auth: [{ key: a, key_sha256: b }]
                services:
                  - { name: s, url: "http://127.0.0.1:1" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: key-auth
                        config: { anonymous: nobody }
                """)).hasMessageContaining("consumers[0].credentials.key-auth[0]: expected exactly one of key, "
                + "key_sha256");
    }
}
