package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** acl by consumer groups and ip-restriction on the real client address (behind a trusted proxy). */
class AccessControlTest {

    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                trusted_proxies: ["127.0.0.1"]
                consumers:
                  - { username: alice, groups: [gold, staff], credentials: { key-auth: [{ key: alice-key }] } }
                  - { username: bob, groups: [basic], credentials: { key-auth: [{ key: bob-key }] } }
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: gold
                    service: s
                    paths: ["/gold"]
                    plugins:
                      - { name: key-auth }
                      - { name: acl, config: { allow: [gold] } }
                  - name: acl-only
                    service: s
                    paths: ["/acl-only"]
                    plugins:
                      - { name: acl, config: { deny: [basic] } }
                  - name: internal
                    service: s
                    paths: ["/internal"]
                    plugins:
                      - { name: ip-restriction, config: { allow: ["10.0.0.0/8", "fd00::/8"] } }
                  - name: blocked
                    service: s
                    paths: ["/blocked"]
                    plugins:
                      - { name: ip-restriction, config: { deny: ["127.0.0.0/8"] } }
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
    void aclAdmitsByGroupAfterAuthentication() throws Exception {
        assertThat(get("/gold", "apikey: alice-key\r\nX-Consumer-Groups: admin\r\n").status()).isEqualTo(200);
        assertThat(backend.last().header("X-Consumer-Groups")).isEqualTo("gold, staff");
        RawHttp.Response bob = get("/gold", "apikey: bob-key\r\n");
        assertThat(bob.status()).isEqualTo(403);
        assertThat(bob.body()).contains("you cannot consume this service");
        assertThat(get("/gold", "").status()).isEqualTo(401);
        // acl without an authentication plugin before it has no consumer to check
        assertThat(get("/acl-only", "").status()).isEqualTo(401);
    }

    @Test
    void ipRestrictionUsesTheAddressATrustedProxyForwardedFor() throws Exception {
        assertThat(get("/internal", "").status()).isEqualTo(403);
        assertThat(get("/internal", "X-Forwarded-For: 10.1.2.3\r\n").status()).isEqualTo(200);
        assertThat(get("/internal", "X-Forwarded-For: fd00::1\r\n").status()).isEqualTo(200);
        // the last untrusted hop is the client: a forged first entry does not help
        assertThat(get("/internal", "X-Forwarded-For: 10.1.2.3, 203.0.113.9\r\n").status()).isEqualTo(403);
        RawHttp.Response blocked = get("/blocked", "");
        assertThat(blocked.status()).isEqualTo(403);
        assertThat(blocked.body()).contains("ip_not_allowed");
    }
}
