package dev.gatehouse.runtime;

import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.model.KeepaliveSpec;
import dev.gatehouse.config.model.ListenerLimits;
import dev.gatehouse.config.model.ListenerSpec;
import dev.gatehouse.config.model.RouteSpec;
import dev.gatehouse.config.model.ServiceSpec;
import dev.gatehouse.config.model.TargetSpec;
import dev.gatehouse.config.model.UpstreamSpec;
import dev.gatehouse.routing.RouteDefinition;
import dev.gatehouse.routing.Router;
import dev.gatehouse.config.model.BalancingAlgorithm;
import dev.gatehouse.config.model.CircuitBreakerSpec;
import dev.gatehouse.config.model.RetrySpec;
import dev.gatehouse.config.model.HashKeySpec;
import dev.gatehouse.upstream.Balancer;
import dev.gatehouse.upstream.ConsistentHashBalancer;
import dev.gatehouse.upstream.EndpointRegistry;
import dev.gatehouse.upstream.HealthPolicy;
import dev.gatehouse.upstream.LeastConnectionsBalancer;
import dev.gatehouse.upstream.LeastRequestBalancer;
import dev.gatehouse.upstream.RandomBalancer;
import dev.gatehouse.upstream.Endpoint;
import dev.gatehouse.upstream.RoundRobinBalancer;
import dev.gatehouse.upstream.UpstreamGroup;
import dev.gatehouse.upstream.UpstreamService;
import dev.gatehouse.upstream.WeightedRoundRobinBalancer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a validated {@link GatewaySpec} into a {@link Snapshot}: resolves target addresses, builds balancers
 * and the router. Resolving names blocks, so this runs off the event loops.
 */
public final class SnapshotCompiler {

    private final String source;
    private final EndpointRegistry registry;

    /**
     * @param source the name compile errors carry (the file)
     * @param registry target state shared with earlier and later snapshots
     */
    public SnapshotCompiler(String source, EndpointRegistry registry) {
        this.source = source;
        this.registry = registry;
    }

    public Snapshot compile(GatewaySpec spec, long revision) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        Map<String, UpstreamGroup> groups = new HashMap<>();
        for (int u = 0; u < spec.upstreams().size(); u++) {
            UpstreamSpec us = spec.upstreams().get(u);
            List<Endpoint> endpoints = new ArrayList<>();
            for (int t = 0; t < us.targets().size(); t++) {
                TargetSpec ts = us.targets().get(t);
                InetSocketAddress address = new InetSocketAddress(ts.address().host(), ts.address().port());
                if (address.isUnresolved()) {
                    errors.add(new ConfigError(source, 0, "upstreams[" + u + "].targets[" + t + "].address",
                            "cannot resolve host '" + ts.address().host() + "'"));
                }
                String authority = ts.address().toString();
                endpoints.add(new Endpoint(t, address, authority, ts.weight(), ts.backup(),
                        registry.state(us.name(), authority)));
            }
            Balancer balancer = switch (us.algorithm()) {
                case ROUND_ROBIN -> new RoundRobinBalancer();
                case WEIGHTED_ROUND_ROBIN -> new WeightedRoundRobinBalancer(endpoints.size());
                case LEAST_CONNECTIONS -> new LeastConnectionsBalancer();
                case LEAST_REQUEST -> new LeastRequestBalancer();
                case CONSISTENT_HASH -> new ConsistentHashBalancer(endpoints);
                case RANDOM -> new RandomBalancer();
            };
            groups.put(us.name(), new UpstreamGroup(us.name(), endpoints, balancer,
                    us.keepalive().maxIdlePerTarget(), us.keepalive().idleTimeout(), healthPolicy(us),
                    us.algorithm() == BalancingAlgorithm.CONSISTENT_HASH ? us.hashOn() : null, us.hashFallback(),
                    us.circuitBreakers(), us.healthChecks().active(), us.sticky(), us.slowStart(), registry));
        }

        Map<String, UpstreamService> services = new HashMap<>();
        Map<String, RetrySpec> serviceRetries = new HashMap<>();
        for (int s = 0; s < spec.services().size(); s++) {
            ServiceSpec ss = spec.services().get(s);
            UpstreamGroup group;
            if (ss.url() != null) {
                InetSocketAddress address = new InetSocketAddress(ss.url().address().host(), ss.url().address().port());
                if (address.isUnresolved()) {
                    errors.add(new ConfigError(source, 0, "services[" + s + "].url",
                            "cannot resolve host '" + ss.url().address().host() + "'"));
                }
                String groupName = "service:" + ss.name();
                String authority = hostHeader(ss.url().address().host(), ss.url().address().port());
                Endpoint only = new Endpoint(0, address, authority, 1, false, registry.state(groupName, authority));
                group = new UpstreamGroup(groupName, List.of(only), new RoundRobinBalancer(),
                        KeepaliveSpec.DEFAULTS.maxIdlePerTarget(), KeepaliveSpec.DEFAULTS.idleTimeout(),
                        HealthPolicy.NONE, null, HashKeySpec.IP, CircuitBreakerSpec.NONE, null, null,
                        java.time.Duration.ZERO, registry);
                // a service URL is an implicit upstream of one target, listed under its own name
                groups.put(groupName, group);
            } else {
                group = groups.get(ss.upstream());
            }
            services.put(ss.name(), new UpstreamService(ss.name(), group, ss.path(), ss.connectTimeout(),
                    ss.readTimeout(), ss.writeTimeout()));
            serviceRetries.put(ss.name(), ss.retries());
        }

        List<RouteDefinition<RouteEntry>> definitions = new ArrayList<>();
        for (int r = 0; r < spec.routes().size(); r++) {
            RouteSpec rs = spec.routes().get(r);
            RouteEntry entry = new RouteEntry(rs.name(), services.get(rs.service()), rs.stripPath(), rs.preserveHost(),
                    rs.clientMaxBodySize() == null ? -1 : rs.clientMaxBodySize(),
                    rs.retries() != null ? rs.retries() : serviceRetries.get(rs.service()));
            definitions.add(new RouteDefinition<>(entry, rs.hosts(), rs.paths(), rs.methods(), rs.headers(),
                    rs.query(), rs.priority(), r));
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        Map<String, ListenerLimits> limits = new HashMap<>();
        for (ListenerSpec l : spec.listeners()) {
            limits.put(l.name(), l.limits());
        }
        return new Snapshot(revision, spec, Router.compile(definitions), groups, limits);
    }

    private static HealthPolicy healthPolicy(UpstreamSpec us) {
        UpstreamSpec.PassiveSpec passive = us.healthChecks().passive();
        UpstreamSpec.OutlierSpec outlier = us.healthChecks().outlier();
        boolean failFast = us.onAllUnhealthy() == UpstreamSpec.OnAllUnhealthy.FAIL;
        return new HealthPolicy(passive.maxFails(), passive.failTimeout().toNanos(), outlier != null,
                outlier == null ? 0 : outlier.consecutive5xx(),
                outlier == null ? 0 : outlier.consecutiveGatewayErrors(),
                outlier == null ? 0 : outlier.baseEjectionTime().toNanos(),
                outlier == null ? 100 : outlier.maxEjectionPercent(), failFast);
    }

    /** The Host header for a service URL: the port is left out when it is the scheme's default. */
    private static String hostHeader(String host, int port) {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == 80 ? h : h + ":" + port;
    }
}
