package dev.gatehouse.boot;

import static dev.gatehouse.testing.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.Cli.Run;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's CLI: routes, route-test, reload and config export; and the file watcher. */
class OperatorCommandsTest {

    @TempDir
    Path dir;

    private static final String ROUTES = """
            listeners:
              - name: public
                address: 127.0.0.1:0
            upstreams:
              - name: users-up
                targets: [{ address: "127.0.0.1:9" }]
            services:
              - { name: users, upstream: users-up, connect_timeout: 1s }
              - { name: files, url: "http://127.0.0.1:9/static" }
            routes:
              - name: users
                service: users
                hosts: ["api.example.com"]
                paths: ["/users"]
                methods: [GET, POST]
                strip_path: false
                plugins:
                  - { name: rate-limiting, config: { minute: 10 } }
              - name: files
                service: files
                paths: ["/files"]
            plugins:
              - { name: correlation-id }
            access_log: { target: off }
            """;

    @Test
    void routesAndRouteTestExplainTheTable() throws Exception {
        Path file = dir.resolve("gw.yaml");
        Files.writeString(file, ROUTES);
        Run routes = run("routes", "-c", file.toString());
        assertThat(routes.exit()).as(routes.err()).isZero();
        assertThat(routes.out()).contains("route users").contains("hosts:    api.example.com")
                .contains("methods:  GET, POST")
                .contains("service 'users' -> upstream 'users-up' [127.0.0.1:9]")
                .contains("correlation-id (PRE), rate-limiting (RATE_LIMIT)");

        Run hit = run("route-test", "-c", file.toString(), "--method", "GET", "--url",
                "http://api.example.com/users/1?x=1");
        assertThat(hit.exit()).as(hit.err()).isZero();
        assertThat(hit.out()).contains("matches route 'users'")
                .contains("'api.example.com' matches 'api.example.com' (exact)")
                .contains("'/users/1' matches '/users' (prefix)")
                .contains("as GET /users/1?x=1")
                .contains("plugins, in order: correlation-id (PRE), rate-limiting (RATE_LIMIT)");

        Run stripped = run("route-test", "-c", file.toString(), "--url", "http://other.example/files/a.txt");
        assertThat(stripped.out()).contains("matches route 'files'").contains("as GET /static/a.txt");

        Run miss = run("route-test", "-c", file.toString(), "-X", "DELETE", "--url", "http://api.example.com/users");
        assertThat(miss.exit()).isEqualTo(1);
        assertThat(miss.out()).contains("no route matches");
    }

    @Test
    void reloadAndExportTalkToTheRunningInstance() throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            String yaml = """
                    listeners:
                      - name: public
                        address: 127.0.0.1:0
                    admin: { address: "127.0.0.1:%d", token: t0ken }
                    watch_config: false
                    services:
                      - { name: s, url: "http://%s" }
                    routes:
                      - { name: r, service: s, paths: ["/a"] }
                    access_log: { target: off }
                    """.formatted(dev.gatehouse.testing.TestRedis.freePort(), backend.address());
            Gateway gw = Gateway.startIn(dir, yaml);
            try {
                Path file = gw.configFile();
                Run export = run("config", "export", "-c", file.toString());
                assertThat(export.exit()).as(export.err()).isZero();
                assertThat(export.out()).contains("name: r");
                assertThat(run("config", "export", "-c", file.toString(), "--format", "json").out())
                        .contains("\"routes\"");

                Files.writeString(file, yaml.replace("/a", "/b"));
                assertThat(gw.get("/a").statusCode()).isEqualTo(200);
                Run reload = run("reload", "-c", file.toString());
                assertThat(reload.exit()).as(reload.err()).isZero();
                assertThat(gw.get("/b").statusCode()).isEqualTo(200);
                assertThat(gw.get("/a").statusCode()).isEqualTo(404);

                Files.writeString(file, yaml.replace("/a", "/b").replace("service: s", "service: nope"));
                Run refused = run("reload", "-c", file.toString());
                assertThat(refused.exit()).isEqualTo(1);
                assertThat(gw.get("/b").statusCode()).isEqualTo(200);
            } finally {
                gw.close();
            }
        }
    }

    @Test
    void withoutAnAdminBlockReloadSaysWhatToDoInstead() throws Exception {
        Path file = dir.resolve("gw.yaml");
        Files.writeString(file, "listeners:\n  - { name: public, address: \"127.0.0.1:0\" }\n");
        Run r = run("reload", "-c", file.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("has no admin: block").contains("SIGHUP");
    }

    @Test
    void anEditedFileIsReloadedByItselfAndABrokenEditKeepsTheRunningConfig() throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            String yaml = """
                    listeners:
                      - name: public
                        address: 127.0.0.1:0
                    services:
                      - { name: s, url: "http://%s" }
                    routes:
                      - { name: r, service: s, paths: ["/before"] }
                    access_log: { target: off }
                    """.formatted(backend.address());
            try (Gateway gw = Gateway.startIn(dir, yaml)) {
                long revision = gw.instance().snapshot().revision();
                Files.writeString(gw.configFile(), yaml.replace("/before", "/after"));
                await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/after").statusCode() == 200);
                assertThat(gw.instance().snapshot().revision()).isEqualTo(revision + 1);

                Files.writeString(gw.configFile(), yaml.replace("/before", "/after").replace("routes:", "routez:"));
                Thread.sleep(1500);
                assertThat(gw.get("/after").statusCode()).isEqualTo(200);
                assertThat(gw.instance().snapshot().revision()).isEqualTo(revision + 1);
            }
        }
    }
}
