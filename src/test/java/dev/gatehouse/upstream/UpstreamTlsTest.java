package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestCertificates;
import dev.gatehouse.testing.TestCertificates.Issued;
import dev.gatehouse.testing.TestCertificates.KeyFormat;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS to upstreams: verification against a CA bundle and a name, SNI, verify: false, and upstream mTLS. */
class UpstreamTlsTest {

    @TempDir
    Path dir;

    /** An HTTPS backend on a free port, answering "secure" to everything. */
    private static HttpsServer backend(SSLContext context, boolean needClientAuth, AtomicInteger served)
            throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                var p = context.getDefaultSSLParameters();
                p.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", ex -> {
            served.incrementAndGet();
            byte[] body = "secure".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }

    @Test
    void upstreamCertificatesAreVerifiedByCaAndNameAndClientsCanPresentOne() throws Exception {
        TestCertificates pki = new TestCertificates(dir, "Upstream CA");
        Issued server = pki.issue(dir, "backend", "backend.example", List.of("backend.example"), false,
                KeyFormat.PKCS8);
        Issued client = pki.issue(dir, "gateway", "gateway", List.of(), false, KeyFormat.PKCS8);
        AtomicInteger served = new AtomicInteger();
        AtomicInteger servedMtls = new AtomicInteger();
        HttpsServer plain = backend(pki.serverContext(server), false, served);
        HttpsServer mtls = backend(pki.serverContext(server), true, servedMtls);
        String b = "127.0.0.1:" + plain.getAddress().getPort();
        String m = "127.0.0.1:" + mtls.getAddress().getPort();
        try (Gateway gw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                upstreams:
                  - name: verified
                    targets: [{ address: "%1$s" }]
                    tls: { ca: %3$s, sni: backend.example }
                  - name: mtls
                    targets: [{ address: "%2$s" }]
                    tls: { ca: %3$s, sni: backend.example, cert: gateway.pem, key: gateway-key.pem }
                  - name: mtls-without-cert
                    targets: [{ address: "%2$s" }]
                    tls: { ca: %3$s, sni: backend.example }
                services:
                  - { name: verified, upstream: verified }
                  - { name: default-trust, url: "https://%1$s" }
                  - { name: wrong-name, url: "https://%1$s", tls: { ca: %3$s } }
                  - { name: unverified, url: "https://%1$s", tls: { verify: false } }
                  - { name: mtls, upstream: mtls }
                  - { name: mtls-without-cert, upstream: mtls-without-cert }
                routes:
                  - { name: verified, service: verified, paths: ["/verified"] }
                  - { name: default-trust, service: default-trust, paths: ["/default-trust"] }
                  - { name: wrong-name, service: wrong-name, paths: ["/wrong-name"] }
                  - { name: unverified, service: unverified, paths: ["/unverified"] }
                  - { name: mtls, service: mtls, paths: ["/mtls"] }
                  - { name: mtls-without-cert, service: mtls-without-cert, paths: ["/nocert"] }
                access_log: { target: off }
                """.formatted(b, m, pki.caFile().getFileName()))) {
            var ok = gw.get("/verified");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("secure");
            // the JDK's CAs do not know this one; a certificate for another name is refused
            assertThat(gw.get("/default-trust").statusCode()).isEqualTo(502);
            assertThat(gw.get("/wrong-name").statusCode()).isEqualTo(502);
            assertThat(gw.get("/unverified").statusCode()).isEqualTo(200);
            assertThat(served.get()).isEqualTo(2);

            assertThat(gw.get("/mtls").statusCode()).isEqualTo(200);
            assertThat(gw.get("/nocert").statusCode()).isEqualTo(502);
            assertThat(servedMtls.get()).isEqualTo(1);
            // connections are kept and reused over TLS too
            for (int i = 0; i < 5; i++) {
                assertThat(gw.get("/verified").statusCode()).isEqualTo(200);
            }
        } finally {
            plain.stop(0);
            mtls.stop(0);
        }
    }
}
