package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import dev.gatehouse.testing.TestDnsServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Targets named by host: every address is an endpoint, and a DNS change reaches the upstream within its TTL. */
class DnsTargetsTest {

    private static int freePortOn(String address) throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }

    private static String gateway(int dnsPort, String target) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                dns: { nameservers: ["127.0.0.1:%d"], min_ttl: 1s, max_ttl: 1s, timeout: 1s }
                upstreams:
                  - name: u
                    targets: [{ address: "%s" }]
                services:
                  - { name: s, upstream: u }
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(dnsPort, target);
    }

    @Test
    void everyAddressIsAnEndpointAndChangesFollowTheTtl() throws Exception {
        int port = freePortOn("127.0.0.2");
        try (TestDnsServer dns = new TestDnsServer();
                TestBackend two = new TestBackend("two", InetAddress.getByName("127.0.0.2"), port);
                TestBackend three = new TestBackend("three", InetAddress.getByName("127.0.0.3"), port)) {
            dns.set("svc.gatehouse.test", "127.0.0.2", "127.0.0.3");
            try (Gateway gw = Gateway.start(gateway(dns.port(), "svc.gatehouse.test:" + port))) {
                Set<String> backends = new HashSet<>();
                for (int i = 0; i < 10; i++) {
                    backends.add(gw.get("/x").headers().firstValue("x-backend").orElseThrow());
                }
                assertThat(backends).containsExactlyInAnyOrder("two", "three");
                assertThat(two.last().header("Host")).isEqualTo("svc.gatehouse.test:" + port);
                assertThat(gw.instance().upstreamHealth("u")).extracting(UpstreamGroup.TargetHealth::address)
                        .containsExactlyInAnyOrder("127.0.0.2:" + port, "127.0.0.3:" + port);

                dns.set("svc.gatehouse.test", "127.0.0.3");
                await().atMost(Duration.ofSeconds(6)).until(() -> gw.instance().upstreamHealth("u").size() == 1);
                for (int i = 0; i < 10; i++) {
                    assertThat(gw.get("/x").headers().firstValue("x-backend")).hasValue("three");
                }
            }
        }
    }

    @Test
    void aNameThatDoesNotResolveIsAConfigError() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            assertThatThrownBy(() -> Gateway.start(gateway(dns.port(), "nowhere.gatehouse.test:80")))
                    .hasMessageContaining("upstreams[0].targets[0].address: cannot resolve host 'nowhere.gatehouse.test'");
        }
    }
}
