package dev.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import dev.gatehouse.testing.TestCertificates;
import dev.gatehouse.testing.TestCertificates.Issued;
import dev.gatehouse.testing.TestCertificates.KeyFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS termination over real sockets: SNI, key formats, hot reload, mTLS, HSTS and the plain listener's redirect. */
class TlsTerminationTest {

    @TempDir
    Path dir;

    private static String get(String path, String headers) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
    }

    private static String cn(RawHttp c) throws Exception {
        return c.peerCertificate().getSubjectX500Principal().getName();
    }

    @Test
    void sniChoosesTheCertificateAndTheUpstreamHearsHttps() throws Exception {
        TestCertificates pki = new TestCertificates(dir, "Test CA");
        Issued a = pki.issue(dir, "a", "a.example", List.of("a.example"), false, KeyFormat.PKCS8);
        Issued b = pki.issue(dir, "b", "wild.b.example", List.of("*.b.example"), true, KeyFormat.TRADITIONAL);
        Issued c = pki.issue(dir, "c", "c.example", List.of("c.example"), false, KeyFormat.TRADITIONAL);
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificates:
                        - { cert: a.pem, key: a-key.pem }
                        - { cert: b.pem, key: b-key.pem }
                        - { cert: c.pem, key: c-key.pem }
                      protocols: [TLSv1.2, TLSv1.3]
                      hsts: 365d
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(backend.address()))) {
            // a new client context per connection: a resumed session would show the first certificate again
            try (RawHttp conn = RawHttp.tls(gw.port(), pki.clientContext(null), "a.example")) {
                assertThat(cn(conn)).isEqualTo("CN=a.example");
                RawHttp.Response r = conn.send(get("/x", "")).read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("strict-transport-security")).isEqualTo("max-age=31536000");
                assertThat(backend.last().header("x-forwarded-proto")).isEqualTo("https");
            }
            try (RawHttp conn = RawHttp.tls(gw.port(), pki.clientContext(null), "api.b.example")) {
                assertThat(cn(conn)).as("wildcard, EC key in SEC1 form").isEqualTo("CN=wild.b.example");
            }
            try (RawHttp conn = RawHttp.tls(gw.port(), pki.clientContext(null), "c.example")) {
                assertThat(cn(conn)).as("RSA key in PKCS#1 form").isEqualTo("CN=c.example");
                assertThat(conn.send(get("/y", "")).read().status()).isEqualTo(200);
            }
            try (RawHttp conn = RawHttp.tls(gw.port(), pki.clientContext(null), null)) {
                assertThat(cn(conn)).as("no SNI: the first certificate").isEqualTo("CN=a.example");
            }
            try (RawHttp conn = RawHttp.tls(gw.port(), pki.clientContext(null), "unknown.example")) {
                assertThat(cn(conn)).isEqualTo("CN=a.example");
            }
        }
    }

    @Test
    void changedCertificateFilesAreServedToNewConnectionsWithoutDroppingOpenOnes() throws Exception {
        TestCertificates pki = new TestCertificates(dir, "Test CA");
        pki.issue(dir, "site", "old.example", List.of("site.example"), false, KeyFormat.PKCS8);
        SSLContext client = pki.clientContext(null);
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls: { certificates: [{ cert: site.pem, key: site-key.pem }] }
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(backend.address()))) {
            try (RawHttp open = RawHttp.tls(gw.port(), client, "site.example")) {
                assertThat(open.send(get("/1", "")).read().status()).isEqualTo(200);
                assertThat(cn(open)).isEqualTo("CN=old.example");
                // renew: write the new pair beside, then move it over the old files (as certbot and k8s do)
                Path fresh = Files.createDirectories(dir.resolve("fresh"));
                Issued renewed = pki.issue(fresh, "site", "new.example", List.of("site.example"), false,
                        KeyFormat.PKCS8);
                Files.move(renewed.keyFile(), dir.resolve("site-key.pem"), StandardCopyOption.REPLACE_EXISTING);
                Files.move(renewed.certFile(), dir.resolve("site.pem"), StandardCopyOption.REPLACE_EXISTING);
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    try (RawHttp c = RawHttp.tls(gw.port(), pki.clientContext(null), "site.example")) {
                        return cn(c).equals("CN=new.example");
                    }
                });
                // the connection opened before the renewal still works
                assertThat(open.send(get("/2", "")).read().status()).isEqualTo(200);
                assertThat(cn(open)).isEqualTo("CN=old.example");
            }
            // a broken file keeps the last good certificate
            Files.writeString(dir.resolve("site.pem"), "not a certificate");
            Thread.sleep(3000);
            try (RawHttp c = RawHttp.tls(gw.port(), pki.clientContext(null), "site.example")) {
                assertThat(cn(c)).isEqualTo("CN=new.example");
            }
        }
    }

    @Test
    void mutualTlsAcceptsVerifiedClientsAndForwardsWhoTheyAre() throws Exception {
        TestCertificates pki = new TestCertificates(dir, "Test CA");
        pki.issue(dir, "server", "api.example", List.of("api.example"), false, KeyFormat.PKCS8);
        Issued alice = pki.issue(dir, "alice", "alice", List.of(), true, KeyFormat.PKCS8);
        TestCertificates other = new TestCertificates(Files.createDirectories(dir.resolve("other")), "Other CA");
        Issued mallory = other.issue(dir.resolve("other"), "mallory", "mallory", List.of(), false, KeyFormat.PKCS8);
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificates: [{ cert: server.pem, key: server-key.pem }]
                      client_auth: require
                      client_ca: %s
                      forward_client_cert: true
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(pki.caFile().getFileName(), backend.address()))) {
            try (RawHttp conn = RawHttp.tls(gw.port(), pki.clientContext(alice), "api.example")) {
                RawHttp.Response r = conn.send(get("/me", "X-Forwarded-Client-Cert: Subject=\"CN=admin\"\r\n"))
                        .read();
                assertThat(r.status()).isEqualTo(200);
                String xfcc = backend.last().header("x-forwarded-client-cert");
                assertThat(xfcc).startsWith("Hash=").endsWith(";Subject=\"CN=alice\"").doesNotContain("admin");
                assertThat(xfcc.substring(5, xfcc.indexOf(';'))).hasSize(64);
            }
            // no certificate, or one from another CA: the handshake (or the first read) fails
            for (SSLContext refused : List.of(pki.clientContext(null), other.clientContext(mallory))) {
                assertThatThrownBy(() -> {
                    try (RawHttp conn = RawHttp.tls(gw.port(), refused, "api.example")) {
                        conn.send(get("/me", "")).read();
                    }
                }).isInstanceOf(java.io.IOException.class);
            }
        }
    }

    @Test
    void aPlainListenerCanRedirectToHttpsAndBadFilesAreConfigErrors() throws Exception {
        try (Gateway gw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    http_redirect: 8443
                services:
                  - { name: s, url: "http://127.0.0.1:9" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """)) {
            try (RawHttp c = gw.raw()) {
                RawHttp.Response r = c.send("GET /a/b?c=1 HTTP/1.1\r\nHost: shop.example\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(301);
                assertThat(r.header("location")).isEqualTo("https://shop.example:8443/a/b?c=1");
                r = c.send("POST /form HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 0\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(308);
            }
        }
        assertThatThrownBy(() -> Gateway.startIn(dir.resolve("bad"), """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls: { certificates: [{ cert: missing.pem, key: missing-key.pem }], client_auth: sometimes }
                """)).hasMessageContaining("listeners[0].tls.certificates[0].cert: cannot read")
                .hasMessageContaining("listeners[0].tls.client_auth: 'sometimes' (expected: none | optional | require)");
    }
}
