package dev.gatehouse.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** YAML for the common test shape (one listener on a free port, one upstream, one service, one route) and ports. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /** A gateway whose only route sends everything to service {@code s} over the upstream given as YAML. */
    public static String withUpstream(String upstreamYaml) {
        return withUpstream(upstreamYaml, "");
    }

    /** The same, with extra service keys (such as {@code retries:}) given as YAML. */
    public static String withUpstream(String upstreamYaml, String serviceYaml) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                upstreams:
                %s
                services:
                  - name: s
                    upstream: u
                %s
                routes:
                  - { name: r, service: s, paths: ["/"] }
                access_log: { target: off }
                """.formatted(upstreamYaml.indent(2), serviceYaml.indent(4));
    }

    /** A loopback port nothing listens on (it was free a moment ago): connections to it are refused. */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
