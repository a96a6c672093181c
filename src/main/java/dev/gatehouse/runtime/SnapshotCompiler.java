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
import dev.gatehouse.upstream.UpstreamTls;
import dev.gatehouse.config.model.UpstreamTlsSpec;
import dev.gatehouse.upstream.UpstreamService;
import dev.gatehouse.upstream.WeightedRoundRobinBalancer;
import dev.gatehouse.config.model.HostPort;
import dev.gatehouse.config.model.ConsumerSpec;
import dev.gatehouse.config.model.PluginSpec;
import dev.gatehouse.plugin.api.Stage;
import java.util.HashSet;
import java.util.Set;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginFactory;
import dev.gatehouse.plugin.api.SharedStore;
import dev.gatehouse.plugin.runtime.PluginCatalog;
import dev.gatehouse.plugin.runtime.PluginChain;
import dev.gatehouse.plugin.runtime.PluginStates;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import org.jspecify.annotations.Nullable;
import dev.gatehouse.upstream.TargetDefinition;
import dev.gatehouse.upstream.TargetResolver;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
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
    private final TargetResolver resolver;
    private final PluginCatalog catalog;
    private final @Nullable SharedStore store;
    private final PluginStates pluginStates;

    /**
     * @param source the name compile errors carry (the file)
     * @param registry target state shared with earlier and later snapshots
     * @param resolver resolves target host names (this thread waits for it: never call on an event loop)
     * @param catalog the plugins that configurations may name
     * @param store the shared store of the {@code redis:} block, or null
     * @param pluginStates plugin state shared with earlier and later snapshots
     */
    public SnapshotCompiler(String source, EndpointRegistry registry, TargetResolver resolver,
            PluginCatalog catalog, @Nullable SharedStore store, PluginStates pluginStates) {
        this.pluginStates = pluginStates;
        this.source = source;
        this.registry = registry;
        this.resolver = resolver;
        this.catalog = catalog;
        this.store = store;
    }

    /** Resolves a host name now, or records why it cannot be. */
    private List<InetAddress> resolve(String host, Duration timeout, String path, List<ConfigError> errors,
            Map<String, List<InetAddress>> cache) {
        List<InetAddress> known = cache.get(host);
        if (known != null) {
            return known;
        }
        List<InetAddress> addresses = List.of();
        try {
            addresses = resolver.resolveAll(host).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            errors.add(new ConfigError(source, 0, path, "cannot resolve host '" + host + "': "
                    + e.getCause().getMessage()));
        } catch (TimeoutException e) {
            errors.add(new ConfigError(source, 0, path, "cannot resolve host '" + host + "': no answer within "
                    + timeout.toMillis() + " ms"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.add(new ConfigError(source, 0, path, "interrupted while resolving '" + host + "'"));
        }
        cache.put(host, List.copyOf(addresses));
        return addresses;
    }

    public Snapshot compile(GatewaySpec spec, long revision) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        Map<String, UpstreamGroup> groups = new HashMap<>();
        Map<String, List<InetAddress>> resolved = new HashMap<>();
        Duration dnsTimeout = spec.dns().timeout().multipliedBy(2);
        for (int u = 0; u < spec.upstreams().size(); u++) {
            UpstreamSpec us = spec.upstreams().get(u);
            List<TargetDefinition> targets = new ArrayList<>();
            Map<String, List<InetAddress>> addresses = new HashMap<>();
            for (int t = 0; t < us.targets().size(); t++) {
                TargetSpec ts = us.targets().get(t);
                HostPort hp = ts.address();
                targets.add(new TargetDefinition(hp.toString(), hp.host(), hp.port(), ts.weight(), ts.backup(),
                        hp.literal()));
                if (!hp.literal()) {
                    addresses.put(hp.host(), resolve(hp.host(), dnsTimeout, "upstreams[" + u + "].targets[" + t
                            + "].address", errors, resolved));
                }
            }
            groups.put(us.name(), new UpstreamGroup(us.name(), targets, addresses, balancerFactory(us),
                    us.keepalive().maxIdlePerTarget(), us.keepalive().idleTimeout(), healthPolicy(us),
                    us.algorithm() == BalancingAlgorithm.CONSISTENT_HASH ? us.hashOn() : null, us.hashFallback(),
                    us.circuitBreakers(), us.healthChecks().active(), us.sticky(), us.slowStart(), registry,
                    upstreamTls(us.tls(), "upstreams[" + u + "].tls", us.http2(), errors), us.http2()));
        }

        Map<String, UpstreamService> services = new HashMap<>();
        Map<String, RetrySpec> serviceRetries = new HashMap<>();
        for (int s = 0; s < spec.services().size(); s++) {
            ServiceSpec ss = spec.services().get(s);
            UpstreamGroup group;
            if (ss.url() != null) {
                String groupName = "service:" + ss.name();
                HostPort hp = ss.url().address();
                String authority = hostHeader(hp.host(), hp.port());
                Map<String, List<InetAddress>> addresses = hp.literal() ? Map.of()
                        : Map.of(hp.host(), resolve(hp.host(), dnsTimeout, "services[" + s + "].url", errors,
                                resolved));
                group = new UpstreamGroup(groupName, List.of(new TargetDefinition(authority, hp.host(), hp.port(), 1,
                        false, hp.literal())), addresses, endpoints -> new RoundRobinBalancer(),
                        KeepaliveSpec.DEFAULTS.maxIdlePerTarget(), KeepaliveSpec.DEFAULTS.idleTimeout(),
                        HealthPolicy.NONE, null, HashKeySpec.IP, CircuitBreakerSpec.NONE, null, null,
                        Duration.ZERO, registry, upstreamTls(ss.tls(), "services[" + s + "].tls", ss.http2(), errors),
                        ss.http2());
                // a service URL is an implicit upstream of one target, listed under its own name
                groups.put(groupName, group);
            } else {
                group = groups.get(ss.upstream());
            }
            services.put(ss.name(), new UpstreamService(ss.name(), group, ss.path(), ss.connectTimeout(),
                    ss.readTimeout(), ss.writeTimeout()));
            serviceRetries.put(ss.name(), ss.retries());
        }

        Map<PluginSpec, PluginChain.Entry> plugins = new IdentityHashMap<>();
        PluginConfigBinder binder = new PluginConfigBinder(source, errors);
        SnapshotEnvironment consumers = new SnapshotEnvironment(spec.consumers(), store, pluginStates);
        Map<String, ServiceSpec> serviceSpecs = new HashMap<>();
        spec.services().forEach(ss -> serviceSpecs.put(ss.name(), ss));
        for (String plugin : consumers.credentialPlugins()) {
            if (catalog.factory(plugin) == null) {
                errors.add(new ConfigError(source, 0, "consumers", "credentials for unknown plugin '" + plugin
                        + "' (known: " + String.join(", ", catalog.names()) + ")"));
            }
        }
        spec.plugins().forEach(p -> createPlugin(p, "global", binder, consumers, plugins, errors));
        spec.services().forEach(ss -> ss.plugins().forEach(p -> createPlugin(p, "service:" + ss.name(), binder,
                consumers, plugins, errors)));
        spec.routes().forEach(rs -> rs.plugins().forEach(p -> createPlugin(p, "route:" + rs.name(), binder,
                consumers, plugins, errors)));
        Set<String> routeNames = new HashSet<>();
        spec.routes().forEach(r -> routeNames.add(r.name()));
        for (ConsumerSpec cs : spec.consumers()) {
            for (PluginSpec p : cs.plugins()) {
                createPlugin(p, "consumer:" + cs.username(), binder, consumers, plugins, errors);
                PluginFactory<?> factory = catalog.factory(p.name());
                if (factory != null && factory.stage().compareTo(Stage.AUTHN) <= 0) {
                    errors.add(new ConfigError(source, p.line(), p.path() + ".name", "'" + p.name()
                            + "' runs before authentication, when the consumer is not known yet: it cannot be "
                            + "configured per consumer"));
                }
                if (p.route() != null && !routeNames.contains(p.route())) {
                    errors.add(new ConfigError(source, p.line(), p.path() + ".route", "route '" + p.route()
                            + "' is not defined"));
                }
                if (p.service() != null && !serviceSpecs.containsKey(p.service())) {
                    errors.add(new ConfigError(source, p.line(), p.path() + ".service", "service '" + p.service()
                            + "' is not defined"));
                }
            }
        }

        List<RouteDefinition<RouteEntry>> definitions = new ArrayList<>();
        for (int r = 0; r < spec.routes().size(); r++) {
            RouteSpec rs = spec.routes().get(r);
            RouteEntry entry = new RouteEntry(rs.name(), services.get(rs.service()), rs.stripPath(), rs.preserveHost(),
                    rs.clientMaxBodySize() == null ? -1 : rs.clientMaxBodySize(),
                    rs.retries() != null ? rs.retries() : serviceRetries.get(rs.service()),
                    chain(spec.plugins(), serviceSpecs.get(rs.service()), rs, spec.consumers(), plugins));
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
        Map<String, RouteEntry> byName = new HashMap<>();
        definitions.forEach(d -> byName.put(d.payload().name(), d.payload()));
        return new Snapshot(revision, spec, Router.compile(definitions), groups, limits, consumers.claimedStates(),
                byName);
    }

    /** The client TLS of an upstream, or null; a CA bundle or client certificate that does not load is an error. */
    private @Nullable UpstreamTls upstreamTls(@Nullable UpstreamTlsSpec spec, String path, boolean http2,
            List<ConfigError> errors) {
        if (spec == null) {
            return null;
        }
        try {
            return UpstreamTls.build(spec, path, http2);
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(source, 0, path, "cannot build TLS to the upstream: " + e.getMessage()));
            return null;
        }
    }

    /** Builds one plugin instance for a {@code plugins:} entry, or records why it cannot be built. */
    private void createPlugin(PluginSpec spec, String scope, PluginConfigBinder binder,
            SnapshotEnvironment environment, Map<PluginSpec, PluginChain.Entry> out, List<ConfigError> errors) {
        PluginFactory<?> factory = catalog.factory(spec.name());
        if (factory == null) {
            errors.add(new ConfigError(source, spec.line(), spec.path() + ".name", "unknown plugin '" + spec.name()
                    + "' (known: " + String.join(", ", catalog.names()) + ")"));
            return;
        }
        if (!spec.enabled()) {
            return;
        }
        String fullScope = spec.route() != null ? scope + "/route:" + spec.route()
                : spec.service() != null ? scope + "/service:" + spec.service() : scope;
        Plugin plugin = instantiate(factory, spec, binder, environment.forPlugin(spec.name(), fullScope), errors);
        if (plugin != null) {
            out.put(spec, new PluginChain.Entry(spec.name(), factory.stage(), factory.priority(), plugin,
                    (plugin.awaitTimeout() != null ? plugin.awaitTimeout() : factory.awaitTimeout()).toMillis(),
                    factory.failOpen()));
        }
    }

    private <C extends Record> @Nullable Plugin instantiate(PluginFactory<C> factory, PluginSpec spec,
            PluginConfigBinder binder, PluginEnvironment environment, List<ConfigError> errors) {
        C config = binder.bind(factory.configType(), spec.config(), spec.path() + ".config", spec.line());
        if (config == null) {
            return null;
        }
        try {
            return factory.create(config, environment);
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(source, spec.config() == null ? spec.line() : spec.config().line(),
                    spec.path() + ".config", e.getMessage()));
            return null;
        }
    }

    /**
     * A route's chain: its own plugins, then its service's, then the global ones, the most specific entry of each
     * name winning (Kong's rule: consumer+route > consumer+service > consumer > route > service > global); disabled
     * entries switch a plugin off for their scope. Consumers with entries that apply here get a chain of their own.
     */
    private static PluginChain chain(List<PluginSpec> global, @Nullable ServiceSpec service, RouteSpec route,
            List<ConsumerSpec> consumers, Map<PluginSpec, PluginChain.Entry> built) {
        Map<String, PluginSpec> effective = new LinkedHashMap<>();
        global.forEach(p -> effective.put(p.name(), p));
        if (service != null) {
            service.plugins().forEach(p -> effective.put(p.name(), p));
        }
        route.plugins().forEach(p -> effective.put(p.name(), p));
        Map<String, PluginChain> byConsumer = new HashMap<>();
        for (ConsumerSpec consumer : consumers) {
            Map<String, PluginSpec> own = new LinkedHashMap<>(effective);
            boolean applies = false;
            for (PluginSpec p : consumer.plugins()) {
                if (p.route() == null && p.service() == null) {
                    own.put(p.name(), p);
                    applies = true;
                }
            }
            for (PluginSpec p : consumer.plugins()) {
                if (service != null && service.name().equals(p.service())) {
                    own.put(p.name(), p);
                    applies = true;
                }
            }
            for (PluginSpec p : consumer.plugins()) {
                if (route.name().equals(p.route())) {
                    own.put(p.name(), p);
                    applies = true;
                }
            }
            if (applies) {
                byConsumer.put(consumer.username(), new PluginChain(entries(own, built)));
            }
        }
        List<PluginChain.Entry> entries = entries(effective, built);
        return entries.isEmpty() && byConsumer.isEmpty() ? PluginChain.EMPTY : new PluginChain(entries, byConsumer);
    }

    private static List<PluginChain.Entry> entries(Map<String, PluginSpec> effective,
            Map<PluginSpec, PluginChain.Entry> built) {
        List<PluginChain.Entry> entries = new ArrayList<>();
        for (PluginSpec p : effective.values()) {
            PluginChain.Entry e = built.get(p);
            if (e != null) {
                entries.add(e);
            }
        }
        return entries;
    }

    private static Function<List<Endpoint>, Balancer> balancerFactory(UpstreamSpec us) {
        return switch (us.algorithm()) {
            case ROUND_ROBIN -> endpoints -> new RoundRobinBalancer();
            case WEIGHTED_ROUND_ROBIN -> endpoints -> new WeightedRoundRobinBalancer(endpoints.size());
            case LEAST_CONNECTIONS -> endpoints -> new LeastConnectionsBalancer();
            case LEAST_REQUEST -> endpoints -> new LeastRequestBalancer();
            case CONSISTENT_HASH -> ConsistentHashBalancer::new;
            case RANDOM -> endpoints -> new RandomBalancer();
        };
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
