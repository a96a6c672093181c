package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import dev.gatehouse.testing.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shared store behind Sentinel and in a Redis Cluster, with private servers on free ports. */
class RedisTopologiesTest {

    private static String config(String backend, String redisBlock) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                redis: %s
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: limited
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: rate-limiting
                        config:
                          policy: redis
                          fault_tolerant: false
                          algorithm: fixed-window
                          limits: [{ requests: 3, per: 1d }]
                          limit_by: ["header:x-client"]
                access_log: { target: off }
                """.formatted(redisBlock, backend);
    }

    /** 10 clients send 5 requests each; returns how many were admitted. */
    private static int admitted(Gateway gw) throws Exception {
        int admitted = 0;
        for (int c = 0; c < 10; c++) {
            for (int i = 0; i < 5; i++) {
                int status = gw.rawGet("/", "X-Client: c" + c + "\r\n").status();
                assertThat(status).isIn(200, 429);
                admitted += status == 200 ? 1 : 0;
            }
        }
        return admitted;
    }

    @Test
    void aSentinelLeadsToTheMaster() throws Exception {
        Path dir = Files.createTempDirectory("gatehouse-sentinel");
        try (TestRedis master = new TestRedis(); TestRedis sentinel = TestRedis.sentinel(master, dir);
                TestBackend backend = new TestBackend("b");
                Gateway gw = Gateway.start(config(backend.address(), "{ url: \"redis-sentinel://127.0.0.1:"
                        + sentinel.port() + "/0#mymaster\", timeout: 1s }"))) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> gw.rawGet("/", "X-Client: probe\r\n").status() == 200);
            assertThat(admitted(gw)).isEqualTo(30);
            assertThat(master.keys("gatehouse:rl:*")).hasSize(11);
        }
    }

    @Test
    void aClusterSpreadsClientsOverItsNodesAndEveryLimitHolds() throws Exception {
        Path dir = Files.createTempDirectory("gatehouse-cluster");
        List<TestRedis> nodes = new ArrayList<>();
        try (TestBackend backend = new TestBackend("b")) {
            for (int i = 0; i < 3; i++) {
                nodes.add(new TestRedis(List.of("--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
                        "--cluster-config-file", dir.resolve("nodes-" + i + ".conf").toString(),
                        "--dir", dir.toString())));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(create).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            for (TestRedis n : nodes) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> n.bulk("CLUSTER INFO").contains("cluster_state:ok"));
            }
            try (Gateway gw = Gateway.start(config(backend.address(), "{ cluster_nodes: [\"redis://127.0.0.1:"
                    + nodes.get(0).port() + "\"], timeout: 1s }"))) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> gw.rawGet("/", "X-Client: probe\r\n").status() == 200);
                assertThat(admitted(gw)).isEqualTo(30);
                int withKeys = 0;
                int keys = 0;
                for (TestRedis n : nodes) {
                    int here = n.keys("gatehouse:rl:*").size();
                    keys += here;
                    withKeys += here > 0 ? 1 : 0;
                }
                assertThat(keys).isEqualTo(11);
                assertThat(withKeys).as("nodes holding counters").isGreaterThan(1);
            }
        } finally {
            for (TestRedis n : nodes) {
                n.close();
            }
        }
    }
}
