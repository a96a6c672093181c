package dev.gatehouse.config.model;

import dev.gatehouse.net.Cidr;
import java.time.Duration;
import java.util.List;

/**
 * The whole validated configuration: what one YAML file (or one Admin API state) declares.
 *
 * @param trustedProxies peers whose {@code X-Forwarded-*} headers are kept (others' are replaced)
 * @param drainTimeout how long a graceful shutdown waits for in-flight requests
 * @param workerThreads event loop threads; 0 means one per available processor
 * @param dns how target host names are resolved
 * @param plugins the global plugins, applied to every route unless a service or route configures the same one
 * @param consumers API clients and their credentials
 * @param redis the shared Redis, or null
 * @param admin the Admin API listener, or null when there is none
 * @param status the read-only status listener, or null when there is none
 * @param watchConfig reload the file when it changes (read at start-up)
 * @param tracing the tracing set-up, or null for none (read at start-up)
 */
public record GatewaySpec(
        List<ListenerSpec> listeners,
        List<UpstreamSpec> upstreams,
        List<ServiceSpec> services,
        List<RouteSpec> routes,
        AccessLogSpec accessLog,
        List<Cidr> trustedProxies,
        Duration drainTimeout,
        int workerThreads,
        DnsSpec dns,
        List<PluginSpec> plugins,
        List<ConsumerSpec> consumers,
        @org.jspecify.annotations.Nullable RedisSpec redis,
        @org.jspecify.annotations.Nullable AdminSpec admin,
        @org.jspecify.annotations.Nullable StatusSpec status,
        boolean watchConfig,
        @org.jspecify.annotations.Nullable TracingSpec tracing) {

    public GatewaySpec {
        listeners = List.copyOf(listeners);
        upstreams = List.copyOf(upstreams);
        services = List.copyOf(services);
        routes = List.copyOf(routes);
        trustedProxies = List.copyOf(trustedProxies);
        plugins = List.copyOf(plugins);
        consumers = List.copyOf(consumers);
    }
}
