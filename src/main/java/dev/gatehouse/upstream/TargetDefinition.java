package dev.gatehouse.upstream;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A configured target: a literal address, or a host name that stands for every address it resolves to.
 *
 * @param authority {@code host:port} as configured, sent as {@code Host}
 * @param literal the host is an IP literal (no resolution)
 */
public record TargetDefinition(String authority, String host, int port, int weight, boolean backup,
        boolean literal) {

    /**
     * The endpoints of a target list: one per literal target, one per resolved address of a named one. A named
     * target's state is kept per address, so that an address that stays across re-resolutions keeps its health.
     */
    public static List<Endpoint> endpoints(String upstream, List<TargetDefinition> targets,
            Map<String, List<InetAddress>> resolved, EndpointRegistry registry) {
        List<Endpoint> out = new ArrayList<>();
        for (TargetDefinition t : targets) {
            if (t.literal()) {
                out.add(new Endpoint(out.size(), new InetSocketAddress(t.host(), t.port()), t.authority(), t.weight(),
                        t.backup(), registry.state(upstream, t.authority())));
                continue;
            }
            for (InetAddress address : resolved.getOrDefault(t.host(), List.of())) {
                out.add(new Endpoint(out.size(), new InetSocketAddress(address, t.port()), t.authority(), t.weight(),
                        t.backup(), registry.state(upstream, t.authority() + "@" + address.getHostAddress())));
            }
        }
        return out;
    }
}
