package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.config.model.BalancingAlgorithm;
import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.model.RouteSpec;
import dev.gatehouse.config.model.ServiceSpec;
import dev.gatehouse.config.source.YamlConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlConfigLoaderTest {

    private final YamlConfigLoader loader = new YamlConfigLoader(Map.of("PORT", "8123", "EMPTY", "")::get);

    private static final String CONTRACT = """
            listeners:
              - name: public
                address: 0.0.0.0:${PORT}
                limits: { client_max_body_size: 16k, header_timeout: 250ms }
            upstreams:
              - name: users
                algorithm: weighted-round-robin
                targets:
                  - { address: 127.0.0.1:9001, weight: 3 }
                  - { address: 127.0.0.1:9002 }
                keepalive: { max_idle_per_target: 64, idle_timeout: 60s }
            services:
              - name: users
                upstream: users
                connect_timeout: 2s
                read_timeout: 30s
                write_timeout: 1m
              - name: direct
                url: http://127.0.0.1:9001/base
            routes:
              - name: users-api
                service: users
                hosts: ["api.example.com", "*.example.org"]
                paths: ["/users", "= /exact", "~ ^/v[0-9]+/items/\\\\d+$"]
                methods: [GET, POST]
                headers: { x-version: ["2"] }
                strip_path: true
                preserve_host: false
                priority: 0
                client_max_body_size: 1m
            """;

    @Test
    void readsTheContractShape() throws Exception {
        GatewaySpec spec = loader.parse("gw.yaml", CONTRACT);
        assertThat(spec.listeners().get(0).address().port()).isEqualTo(8123);
        assertThat(spec.listeners().get(0).limits().clientMaxBodySize()).isEqualTo(16 * 1024);
        assertThat(spec.listeners().get(0).limits().headerTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(spec.upstreams().get(0).algorithm()).isEqualTo(BalancingAlgorithm.WEIGHTED_ROUND_ROBIN);
        assertThat(spec.upstreams().get(0).targets()).extracting(t -> t.weight()).containsExactly(3, 1);
        ServiceSpec users = spec.services().get(0);
        assertThat(users.writeTimeout()).isEqualTo(Duration.ofMinutes(1));
        ServiceSpec direct = spec.services().get(1);
        assertThat(direct.url().address().port()).isEqualTo(9001);
        assertThat(direct.path()).isEqualTo("/base");
        RouteSpec route = spec.routes().get(0);
        assertThat(route.paths()).containsExactly("/users", "= /exact", "~ ^/v[0-9]+/items/\\d+$");
        assertThat(route.headers()).containsEntry("x-version", List.of("2"));
        assertThat(route.clientMaxBodySize()).isEqualTo(1024 * 1024);
    }

    @Test
    void reportsEveryErrorWithLineAndKeyPath() {
        String yaml = """
                listeners:
                  - name: public
                    address: 127.0.0.1:80000
                services:
                  - name: users
                    upstream: nowhere
                    read_timeout: 30
                routes:
                  - name: r1
                    servce: users
                    paths: ["users"]
                  - name: r2
                    service: missing
                    paths: ["/x", "~ ("]
                    methods: [FETCH]
                """;
        assertThatThrownBy(() -> loader.parse("gw.yaml", yaml))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    List<String> lines = ((ConfigException) e).errors().stream().map(ConfigError::toString).toList();
                    assertThat(lines).contains(
                            "gw.yaml:3: listeners[0].address: '127.0.0.1:80000' is not an address (expected: host:port,"
                                    + " such as 127.0.0.1:8000)",
                            "gw.yaml:7: services[0].read_timeout: '30' is not a duration (expected: a number with ms,"
                                    + " s, m, h or d, such as 250ms)",
                            "gw.yaml:11: routes[0].paths[0]: 'users' is not a path (expected: /prefix, = /exact or ~ "
                                    + "regex)",
                            "gw.yaml:15: routes[1].methods[0]: 'FETCH' is not an HTTP method",
                            "gw.yaml:6: services[0].upstream: upstream 'nowhere' is not defined (defined: none)",
                            "gw.yaml:13: routes[1].service: service 'missing' is not defined (defined: users)");
                    assertThat(lines).anySatisfy(l -> assertThat(l)
                            .startsWith("gw.yaml:10: routes[0].servce: unknown key (expected one of: ")
                            .contains("service"));
                    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("gw.yaml:14: routes[1].paths[1]: '(' "
                            + "is not a regular expression"));
                });
    }

    @Test
    void interpolatesVariablesWithDefaults() throws Exception {
        String yaml = """
                listeners:
                  - { name: a, address: "127.0.0.1:${NOPE:-9000}" }
                  - { name: b, address: "127.0.0.1:${EMPTY:-9001}" }
                """;
        GatewaySpec spec = loader.parse("gw.yaml", yaml);
        assertThat(spec.listeners()).extracting(l -> l.address().port()).containsExactly(9000, 9001);
        assertThatThrownBy(() -> loader.parse("gw.yaml", "listeners:\n  - { name: a, address: \"${UNSET}\" }\n"))
                .hasMessageContaining("gw.yaml:2: listeners[0].address: environment variable 'UNSET' is not set");
    }

    @Test
    void aRedisBlockNamesOneServerSentinelOrClusterSeeds() throws Exception {
        String listeners = "listeners:\n  - { name: a, address: \"127.0.0.1:1\" }\n";
        assertThat(loader.parse("gw.yaml", listeners + "redis: { cluster_nodes: [\"redis://127.0.0.1:7000\"] }\n")
                .redis().clusterNodes()).containsExactly("redis://127.0.0.1:7000");
        assertThat(loader.parse("gw.yaml", listeners + "redis: { url: \"redis-sentinel://h:26379/0#m\" }\n")
                .redis().url()).isEqualTo("redis-sentinel://h:26379/0#m");
        assertThatThrownBy(() -> loader.parse("gw.yaml", listeners
                + "redis: { url: \"redis://h\", cluster_nodes: [\"redis://h:7000\"] }\n"))
                .hasMessageContaining("gw.yaml:3: redis.url: give either url");
        assertThatThrownBy(() -> loader.parse("gw.yaml", listeners + "redis: { cluster_nodes: [\"h:7000\"] }\n"))
                .hasMessageContaining("redis.cluster_nodes[0]: 'h:7000' is not a Redis URL");
    }

    @Test
    void rejectsDuplicatesAndInvalidYaml() {
        assertThatThrownBy(() -> loader.parse("gw.yaml", """
                listeners:
                  - { name: a, address: "127.0.0.1:1" }
                  - { name: a, address: "127.0.0.1:2" }
                """)).hasMessageContaining("gw.yaml:3: listeners[1]: 'a' is already used by listeners[0]");
        assertThatThrownBy(() -> loader.parse("gw.yaml", "listeners: [\n")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> loader.parse("gw.yaml", "")).hasMessageContaining("the file is empty");
    }

    @Test
    void loadsTheShippedExample() throws Exception {
        GatewaySpec spec = new YamlConfigLoader(name -> null).load(Path.of("examples/quickstart.yaml"));
        assertThat(spec.listeners().get(0).address().port()).isEqualTo(8000);
        assertThat(Files.exists(Path.of("docs/configuration.md"))).isTrue();
    }
}
