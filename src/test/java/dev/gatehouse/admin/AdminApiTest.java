package dev.gatehouse.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.boot.GatehouseInstance;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Admin API over real sockets: health, status, metrics, Kong-shaped resources, validation and durability. */
class AdminApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();
    private TestBackend backend;
    private Gateway gw;
    private Path dir;

    private String yaml() {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                admin: { address: 127.0.0.1:0, token: s3cret }
                status: { address: 127.0.0.1:0 }
                upstreams:
                  - name: u
                    targets: [{ address: "%s" }]
                services:
                  - { name: s1, upstream: u }
                routes:
                  - { name: r1, service: s1, paths: ["/one"] }
                access_log: { target: off }
                """.formatted(backend.address());
    }

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend("b");
        dir = Files.createTempDirectory("gatehouse-admin");
        gw = Gateway.startIn(dir, yaml());
    }

    @AfterEach
    void stop() {
        gw.close();
        backend.close();
    }

    private record Reply(int status, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    private Reply call(String listener, String method, String path, String body, boolean token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gw.instance().adminPort(listener) + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token) {
            b.header("Authorization", "Bearer s3cret");
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    private Reply admin(String method, String path, String body) throws Exception {
        return call("admin", method, path, body, true);
    }

    private int proxied(String path) throws Exception {
        return gw.get(path).statusCode();
    }

    @Test
    void healthStatusAndMetricsForOrchestratorsAndScrapers() throws Exception {
        assertThat(call("admin", "GET", "/health/live", null, false).status()).isEqualTo(200);
        assertThat(call("status", "GET", "/health/ready", null, false).status()).isEqualTo(200);
        assertThat(call("admin", "GET", "/status", null, false).status()).isEqualTo(401);
        assertThat(call("admin", "GET", "/status", null, true).json().path("config_revision").asLong())
                .isEqualTo(1);
        Reply status = call("status", "GET", "/status", null, false);
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().path("version").asText()).isNotEmpty();
        // the status listener is read-only
        assertThat(call("status", "GET", "/services", null, false).status()).isEqualTo(404);

        assertThat(proxied("/one")).isEqualTo(200);
        assertThat(proxied("/nowhere")).isEqualTo(404);
        String metrics = call("status", "GET", "/metrics", null, false).body();
        assertThat(metrics)
                .contains("gatehouse_requests_total{method=\"GET\",route=\"r1\",service=\"s1\",status=\"2xx\"} 1.0")
                .contains("gatehouse_requests_total{method=\"GET\",route=\"-\",service=\"-\",status=\"4xx\"} 1.0")
                .contains("gatehouse_request_duration_seconds_bucket{route=\"r1\",service=\"s1\",le=\"0.005\"}")
                .contains("gatehouse_upstream_target_healthy{target=\"" + backend.address() + "\",upstream=\"u\"} 1.0")
                .contains("gatehouse_requests_active 0.0")
                .contains("gatehouse_netty_allocator_used_direct_bytes")
                .contains("jvm_memory_used_bytes");
        assertThat(call("admin", "GET", "/metrics", null, true).body()).contains("gatehouse_requests_total");
    }

    @Test
    void servicesRoutesAndPluginsChangeLiveAndBadChangesChangeNothing() throws Exception {
        assertThat(admin("POST", "/services", "{\"name\":\"s2\",\"url\":\"http://" + backend.address() + "\"}")
                .status()).isEqualTo(201);
        Reply route = admin("POST", "/services/s2/routes", "{\"name\":\"r2\",\"paths\":[\"/two\"]}");
        assertThat(route.status()).isEqualTo(201);
        assertThat(route.json().path("service").asText()).isEqualTo("s2");
        assertThat(route.json().path("id").asText()).hasSize(36);
        assertThat(proxied("/two")).isEqualTo(200);

        assertThat(admin("PATCH", "/routes/r2", "{\"paths\":[\"/deux\"]}").status()).isEqualTo(200);
        assertThat(proxied("/deux")).isEqualTo(200);
        assertThat(proxied("/two")).isEqualTo(404);
        assertThat(admin("GET", "/routes/" + route.json().path("id").asText(), null).json().path("paths").get(0)
                .asText()).isEqualTo("/deux");

        // a route to a service that does not exist: 400 with the key path, and nothing changed
        long revision = gw.instance().snapshot().revision();
        Reply bad = admin("POST", "/routes", "{\"name\":\"r3\",\"service\":\"nope\",\"paths\":[\"/x\"]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("errors").get(0).path("path").asText()).isEqualTo("routes[2].service");
        assertThat(bad.json().path("errors").get(0).path("reason").asText()).contains("'nope' is not defined");
        assertThat(gw.instance().snapshot().revision()).isEqualTo(revision);
        assertThat(admin("GET", "/routes", null).json().path("data")).hasSize(2);
        // a service still used by a route cannot go
        assertThat(admin("DELETE", "/services/s2", null).status()).isEqualTo(400);

        Reply plugin = admin("POST", "/routes/r2/plugins",
                "{\"name\":\"request-termination\",\"config\":{\"status_code\":418}}");
        assertThat(plugin.status()).isEqualTo(201);
        assertThat(plugin.json().path("route").path("name").asText()).isEqualTo("r2");
        assertThat(proxied("/deux")).isEqualTo(418);
        assertThat(proxied("/one")).isEqualTo(200);
        String pluginId = plugin.json().path("id").asText();
        assertThat(admin("PATCH", "/plugins/" + pluginId, "{\"config\":{\"status_code\":503}}").status())
                .isEqualTo(200);
        assertThat(proxied("/deux")).isEqualTo(503);
        assertThat(admin("GET", "/plugins", null).json().path("data")).hasSize(1);
        assertThat(admin("POST", "/routes/r2/plugins", "{\"name\":\"request-termination\"}").status())
                .isEqualTo(409);
        assertThat(admin("POST", "/plugins", "{\"name\":\"no-such-plugin\"}").status()).isEqualTo(400);
        assertThat(admin("DELETE", "/plugins/" + pluginId, null).status()).isEqualTo(204);
        assertThat(proxied("/deux")).isEqualTo(200);

        assertThat(admin("DELETE", "/routes/r2", null).status()).isEqualTo(204);
        assertThat(admin("DELETE", "/services/s2", null).status()).isEqualTo(204);
        assertThat(admin("GET", "/services/s2", null).status()).isEqualTo(404);
        assertThat(call("status", "GET", "/metrics", null, false).body())
                .contains("gatehouse_config_reloads_total{result=\"rejected\"} 3.0");
    }

    @Test
    void targetsConsumersCredentialsAndPages() throws Exception {
        try (TestBackend second = new TestBackend("second")) {
            Reply added = admin("POST", "/upstreams/u/targets", "{\"target\":\"" + second.address()
                    + "\",\"weight\":1}");
            assertThat(added.status()).isEqualTo(201);
            assertThat(admin("GET", "/upstreams/u/targets", null).json().path("data")).hasSize(2);
            for (int i = 0; i < 4; i++) {
                assertThat(proxied("/one")).isEqualTo(200);
            }
            assertThat(second.seen()).isNotEmpty();
            assertThat(admin("GET", "/upstreams/u/health", null).json().path("data")).hasSize(2);
            assertThat(admin("DELETE", "/upstreams/u/targets/" + second.address(), null).status()).isEqualTo(204);
            assertThat(admin("GET", "/upstreams/u/targets", null).json().path("data")).hasSize(1);
        }

        for (String user : new String[] {"alice", "bob", "carol"}) {
            assertThat(admin("POST", "/consumers", "{\"username\":\"" + user + "\"}").status()).isEqualTo(201);
        }
        assertThat(admin("POST", "/consumers", "{\"username\":\"alice\"}").status()).isEqualTo(409);
        Reply first = admin("GET", "/consumers?size=2", null);
        assertThat(first.json().path("data")).hasSize(2);
        Reply rest = admin("GET", first.json().path("next").asText(), null);
        assertThat(rest.json().path("data")).hasSize(1);
        assertThat(rest.json().path("data").get(0).path("username").asText()).isEqualTo("carol");
        assertThat(rest.json().path("next").isNull()).isTrue();

        assertThat(admin("POST", "/routes/r1/plugins", "{\"name\":\"key-auth\"}").status()).isEqualTo(201);
        assertThat(proxied("/one")).isEqualTo(401);
        Reply credential = admin("POST", "/consumers/alice/key-auth", "{\"key\":\"alice-key\"}");
        assertThat(credential.status()).isEqualTo(201);
        assertThat(gw.client().send(HttpRequest.newBuilder(gw.uri("/one")).header("apikey", "alice-key").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(admin("DELETE", "/consumers/alice/key-auth/" + credential.json().path("id").asText(), null)
                .status()).isEqualTo(204);
        assertThat(gw.client().send(HttpRequest.newBuilder(gw.uri("/one")).header("apikey", "alice-key").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }

    @Test
    void theWholeConfigurationIsExportedAndReplacedAllOrNothing() throws Exception {
        Reply yaml = admin("GET", "/config", null);
        assertThat(yaml.body()).contains("name: r1").contains("admin:");
        JsonNode doc = admin("GET", "/config?format=json", null).json();
        assertThat(doc.path("routes").get(0).path("name").asText()).isEqualTo("r1");

        String replacement = yaml().replace("paths: [\"/one\"]", "paths: [\"/uno\"]");
        assertThat(admin("POST", "/config", replacement).status()).isEqualTo(201);
        assertThat(proxied("/uno")).isEqualTo(200);
        assertThat(proxied("/one")).isEqualTo(404);

        Reply invalid = admin("POST", "/config", replacement.replace("service: s1", "service: s9"));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().path("errors").get(0).path("path").asText()).isEqualTo("routes[0].service");
        assertThat(proxied("/uno")).isEqualTo(200);
    }

    @Test
    void adminChangesSurviveARestartUntilTheFileIsEditedAgain() throws Exception {
        assertThat(admin("POST", "/services/s1/routes", "{\"name\":\"kept\",\"paths\":[\"/kept\"]}").status())
                .isEqualTo(201);
        Path state = GatehouseInstance.stateFile(gw.configFile());
        assertThat(state).exists();
        assertThat(dir.toFile().list()).noneMatch(name -> name.endsWith(".tmp"));
        gw.close();

        gw = Gateway.startIn(dir, Files.readString(gw.configFile()));
        // the file was rewritten just now, so it is newer: it wins, and a reload removes the state
        assertThat(proxied("/kept")).isEqualTo(404);

        assertThat(admin("POST", "/services/s1/routes", "{\"name\":\"kept\",\"paths\":[\"/kept\"]}").status())
                .isEqualTo(201);
        gw.close();
        gw = new RestartedGateway(dir).start();
        assertThat(proxied("/kept")).isEqualTo(200);

        assertThat(gw.reload(yaml())).isTrue();
        assertThat(proxied("/kept")).isEqualTo(404);
        assertThat(state).doesNotExist();
    }

    /** Starts again on the same file without rewriting it (so the state file stays the newer one). */
    private record RestartedGateway(Path dir) {
        Gateway start() throws Exception {
            return Gateway.restart(dir);
        }
    }
}
