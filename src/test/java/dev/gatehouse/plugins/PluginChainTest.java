package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The plugin chain over real sockets: scopes, order, asynchronous plugins and the first built-in plugins. */
class PluginChainTest {

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
                  - name: correlation-id
                    config: { header_name: X-Correlation-ID, echo_downstream: true }
                  - name: test-trace
                    config: { label: global }
                services:
                  - name: s
                    url: http://%s
                    plugins:
                      - name: test-trace
                        config: { label: service }
                      - name: response-transformer
                        config: { add: { headers: ["x-gateway:gatehouse"] }, remove: { headers: [x-backend] } }
                routes:
                  - name: plain
                    service: s
                    paths: ["/plain"]
                  - name: own
                    service: s
                    paths: ["/own"]
                    plugins:
                      - name: test-trace
                        config: { label: route }
                      - name: request-transformer
                        config:
                          remove: { headers: [authorization], querystring: [secret] }
                          rename: { headers: ["x-old:x-new"], querystring: ["old:new"] }
                          add: { headers: ["x-added:1"], querystring: ["v:2"] }
                  - name: off
                    service: s
                    paths: ["/off"]
                    plugins:
                      - { name: test-trace, enabled: false }
                  - name: async
                    service: s
                    paths: ["/async"]
                    plugins:
                      - { name: test-async, config: { delay_ms: 30 } }
                  - name: denied
                    service: s
                    paths: ["/denied"]
                    plugins:
                      - { name: test-async, config: { deny: true } }
                  - name: hangs-closed
                    service: s
                    paths: ["/hangs-closed"]
                    plugins:
                      - { name: test-async, config: { hang: true } }
                  - name: fails-closed
                    service: s
                    paths: ["/fails-closed"]
                    plugins:
                      - { name: test-async, config: { fail: true } }
                  - name: hangs-open
                    service: s
                    paths: ["/hangs-open"]
                    plugins:
                      - { name: test-async-open, config: { hang: true } }
                  - name: fails-open
                    service: s
                    paths: ["/fails-open"]
                    plugins:
                      - { name: test-async-open, config: { fail: true } }
                  - name: maintenance
                    service: s
                    paths: ["/maintenance"]
                    plugins:
                      - name: request-termination
                        config: { status_code: 503, body: "back soon", content_type: text/plain }
                access_log: { target: off }
                """.formatted(backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    @Test
    void theMostSpecificScopeWinsAndDisabledEntriesSwitchAPluginOff() throws Exception {
        gw.get("/plain");
        assertThat(backend.last().header("x-trace")).isEqualTo("service");
        gw.get("/own");
        assertThat(backend.last().header("x-trace")).isEqualTo("route");
        gw.get("/off");
        assertThat(backend.last().header("x-trace")).isNull();
        // global plugins apply everywhere they are not overridden
        assertThat(backend.last().header("x-correlation-id")).isNotBlank();
    }

    @Test
    void pluginsRunInStageOrderWhateverTheirPositionInTheFile() throws Exception {
        HttpResponse<String> r = gw.get("/async");
        assertThat(r.statusCode()).isEqualTo(200);
        // test-async is AUTHN, test-trace AUTHZ: the authentication stage runs first, and resumes after waiting
        assertThat(backend.last().headers().get("X-trace")).containsExactly("async", "service");
    }

    @Test
    void anAsynchronousPluginCanAnswer() throws Exception {
        int before = backend.seen().size();
        HttpResponse<String> r = gw.get("/denied");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("\"error\":\"unauthorized\"").contains("denied by test-async");
        assertThat(backend.seen()).hasSize(before);
        // response plugins run on gateway answers too
        assertThat(r.headers().firstValue("x-gateway")).hasValue("gatehouse");
    }

    @Test
    void requestAndResponseTransformersAndCorrelationId() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /own?secret=1&keep=yes&old=o HTTP/1.1\r\nHost: x\r\nAuthorization: Basic eDp5\r\nX-Old: v\r\n"
                    + "X-Correlation-ID: abc\r\n\r\n");
            RawHttp.Response r = raw.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-gateway")).isEqualTo("gatehouse");
            assertThat(r.header("x-backend")).isNull();
            assertThat(r.header("x-correlation-id")).isEqualTo("abc");
        }
        var seen = backend.last();
        assertThat(seen.uri()).isEqualTo("/?keep=yes&new=o&v=2");
        assertThat(seen.header("Authorization")).isNull();
        assertThat(seen.header("X-Old")).isNull();
        assertThat(seen.header("X-New")).isEqualTo("v");
        assertThat(seen.header("X-Added")).isEqualTo("1");
        assertThat(seen.header("X-Correlation-ID")).isEqualTo("abc");
    }

    @Test
    void asynchronousFailuresAndTimeoutsFollowThePluginsPolicy() throws Exception {
        HttpResponse<String> hung = gw.get("/hangs-closed");
        assertThat(hung.statusCode()).isEqualTo(503);
        assertThat(hung.body()).contains("plugin_timeout");
        assertThat(gw.get("/fails-closed").body()).contains("plugin_unavailable");
        assertThat(gw.get("/hangs-open").statusCode()).isEqualTo(200);
        assertThat(gw.get("/fails-open").statusCode()).isEqualTo(200);
    }

    @Test
    void requestTerminationAnswersWithoutTheUpstream() throws Exception {
        int before = backend.seen().size();
        HttpResponse<String> r = gw.get("/maintenance");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("back soon");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(backend.seen()).hasSize(before);
    }

    @Test
    void badPluginConfigurationIsReportedWithLineAndKey() {
        assertThatThrownBy(() -> Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: s, url: "http://127.0.0.1:1" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: request-termination
                        config: { status_code: many, colour: red }
                      - name: no-such-plugin
                      - name: request-transformer
                        config: { add: { headers: ["no-colon"] } }
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(":12: routes[0].plugins[0].config.status_code: 'many' is not an integer")
                .hasMessageContaining(":12: routes[0].plugins[0].config.colour: unknown key (expected one of: "
                        + "status_code, message, body, content_type)")
                .hasMessageContaining(":13: routes[0].plugins[1].name: unknown plugin 'no-such-plugin' (known: ")
                .hasMessageContaining("routes[0].plugins[2].config: add.headers: 'no-colon' (expected: name:value)");
    }
}
