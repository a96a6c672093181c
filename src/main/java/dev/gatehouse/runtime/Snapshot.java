package dev.gatehouse.runtime;

import dev.gatehouse.net.Cidr;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.model.ListenerLimits;
import dev.gatehouse.config.model.ListenerSpec;
import dev.gatehouse.routing.Router;
import dev.gatehouse.upstream.UpstreamGroup;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import dev.gatehouse.upstream.EndpointState;

/**
 * One immutable, compiled configuration. Requests read it without locks; a reload builds a new one and swaps
 * it in whole, and a request keeps the snapshot it started on.
 *
 * @param revision increases by one with every swap
 * @param routes every compiled route by name (for the CLI and the Admin API; requests go through the router)
 * @param pluginStates the keys of the {@link dev.gatehouse.plugin.runtime.PluginStates} its plugins use
 */
public record Snapshot(
        long revision,
        GatewaySpec spec,
        Router<RouteEntry> router,
        Map<String, UpstreamGroup> upstreams,
        Map<String, ListenerLimits> listenerLimits,
        Set<String> pluginStates,
        Map<String, RouteEntry> routes) {

    public Snapshot {
        routes = Map.copyOf(routes);
        upstreams = Map.copyOf(upstreams);
        listenerLimits = Map.copyOf(listenerLimits);
        pluginStates = Set.copyOf(pluginStates);
    }

    /** The limits of a listener by name; the defaults for a listener this snapshot does not know. */
    public ListenerLimits limits(String listener) {
        return listenerLimits.getOrDefault(listener, ListenerLimits.DEFAULTS);
    }

    public List<ListenerSpec> listeners() {
        return spec.listeners();
    }

    /** The state objects of every target this snapshot routes to. */
    public Set<EndpointState> endpointStates() {
        Set<EndpointState> out = new HashSet<>();
        upstreams.values().forEach(g -> g.endpoints().forEach(e -> out.add(e.state())));
        return out;
    }

    /** True when {@code peer} may set {@code X-Forwarded-*} headers that are kept. */
    public boolean trusted(InetAddress peer) {
        List<Cidr> trusted = spec.trustedProxies();
        for (int i = 0; i < trusted.size(); i++) {
            if (trusted.get(i).contains(peer)) {
                return true;
            }
        }
        return false;
    }
}
