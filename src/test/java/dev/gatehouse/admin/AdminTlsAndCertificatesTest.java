package dev.gatehouse.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestCertificates;
import dev.gatehouse.testing.TestCertificates.KeyFormat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Admin API over HTTPS, and /certificates changing what a TLS listener serves, live. */
class AdminTlsAndCertificatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void certificatesAreAddedAndRemovedThroughAnHttpsAdminApi() throws Exception {
        TestCertificates pki = new TestCertificates(dir, "Test CA");
        pki.issue(dir, "a", "a.example", List.of("a.example"), false, KeyFormat.PKCS8);
        pki.issue(dir, "b", "b.example", List.of("b.example"), true, KeyFormat.PKCS8);
        pki.issue(dir, "admin", "admin", List.of("127.0.0.1"), false, KeyFormat.PKCS8);
        try (Gateway gw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls: { certificates: [{ cert: a.pem, key: a-key.pem }] }
                admin:
                  address: 127.0.0.1:0
                  token: t
                  tls: { certificates: [{ cert: admin.pem, key: admin-key.pem }] }
                services:
                  - { name: s, url: "http://127.0.0.1:9" }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """)) {
            HttpClient client = HttpClient.newBuilder().sslContext(pki.clientContext(null)).build();
            String base = "https://127.0.0.1:" + gw.instance().adminPort("admin");
            java.util.function.BiFunction<String, String, HttpResponse<String>> call = (method, pathAndBody) -> {
                String[] parts = pathAndBody.split(" ", 2);
                try {
                    return client.send(HttpRequest.newBuilder(URI.create(base + parts[0]))
                            .header("Authorization", "Bearer t")
                            .method(method, parts.length > 1 ? HttpRequest.BodyPublishers.ofString(parts[1])
                                    : HttpRequest.BodyPublishers.noBody()).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(call.apply("GET", "/status").statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(call.apply("GET", "/certificates").body()).path("data")).hasSize(1);

            HttpResponse<String> added = call.apply("POST",
                    "/certificates {\"listener\":\"public\",\"cert\":\"b.pem\",\"key\":\"b-key.pem\"}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            try (RawHttp c = RawHttp.tls(gw.port(), pki.clientContext(null), "b.example")) {
                assertThat(c.peerCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=b.example");
            }
            HttpResponse<String> missing = call.apply("POST",
                    "/certificates {\"listener\":\"public\",\"cert\":\"nope.pem\",\"key\":\"b-key.pem\"}");
            assertThat(missing.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(missing.body()).path("errors").get(0).path("path").asText())
                    .isEqualTo("listeners[0].tls.certificates[2].cert");

            String id = JSON.readTree(added.body()).path("id").asText();
            assertThat(call.apply("DELETE", "/certificates/" + id).statusCode()).isEqualTo(204);
            await().until(() -> {
                try (RawHttp c = RawHttp.tls(gw.port(), pki.clientContext(null), "b.example")) {
                    return c.peerCertificate().getSubjectX500Principal().getName().equals("CN=a.example");
                }
            });
            JsonNode left = JSON.readTree(call.apply("GET", "/certificates").body()).path("data");
            assertThat(left).hasSize(1);
            assertThat(left.get(0).path("cert").asText()).isEqualTo("a.pem");
        }
    }
}
