package dev.gatehouse.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.model.AccessLogSpec;
import dev.gatehouse.config.source.YamlConfigLoader;
import org.junit.jupiter.api.Test;

/** Access-log lines: templates, every documented variable, and escaping of what clients send. */
class AccessLogFormatterTest {

    private static final AccessLogEntry ENTRY = new AccessLogEntry(1_700_000_000_000L, "10.0.0.1", "GET",
            "/a?b=\"c\"", "HTTP/1.1", 200, 1234, null, "curl/8\n", "rid-1", "r", "s", "127.0.0.1:9001", 1,
            12_345, 10_000, 200, 1_000, 42, "alice", "4bf92f3577b34da6a3ce929d0e0e4736");

    @Test
    void aTemplateWritesVariablesAndEscapesClientText() {
        String line = AccessLogFormatter.template("$remote_addr \"$request\" $status ${body_bytes_sent}B "
                + "$upstream_addr $upstream_status $request_time $upstream_response_time $gateway_time "
                + "$consumer $trace_id $http_referer $http_user_agent").apply(ENTRY);
        assertThat(line).isEqualTo("10.0.0.1 \"GET /a?b=\\\"c\\\" HTTP/1.1\" 200 1234B 127.0.0.1:9001 200 0.012 "
                + "0.010 0.001 alice 4bf92f3577b34da6a3ce929d0e0e4736 - curl/8\\x0A");
    }

    @Test
    void everyVariableTheConfigurationAcceptsIsKnownToTheFormatter() {
        for (String name : AccessLogSpec.VARIABLES) {
            assertThat(AccessLogFormatter.template("$" + name).apply(ENTRY)).as(name).isNotEmpty();
        }
        assertThatThrownBy(() -> AccessLogFormatter.template("$nope")).hasMessageContaining("$nope");
    }

    @Test
    void anUnknownVariableIsAConfigErrorWithTheKey() {
        assertThatThrownBy(() -> new YamlConfigLoader().parse("gw.yaml", """
                listeners:
                  - { name: a, address: "127.0.0.1:1" }
                access_log: { format: "$remote_addr $bytes" }
                """)).hasMessageContaining("gw.yaml:3: access_log.format: unknown variable $bytes (expected one of: "
                + "$remote_addr");
    }

    @Test
    void jsonCarriesTheNewFields() {
        assertThat(AccessLogFormatter.json(ENTRY)).contains("\"upstream_status\":200", "\"gateway_ms\":1.0",
                "\"bytes_received\":42", "\"consumer\":\"alice\"", "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"");
    }
}
