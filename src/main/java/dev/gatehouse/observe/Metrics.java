package dev.gatehouse.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's metrics, in Prometheus text format at the admin listener's {@code /metrics}. Labels stay bounded:
 * route and service names (from the configuration), a method class (the seven usual methods, else {@code other}),
 * a status class ({@code 2xx}), upstream and target names; never raw paths or consumer ids. Meters of a route are
 * created once and cached, so recording a request is a map lookup and a few adds.
 */
public final class Metrics {

    /** Latency buckets, in seconds: from a fast local answer to a slow upstream. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"};
    private static final String[] STATUS = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> retries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> rejections = new ConcurrentHashMap<>();
    /** Every event loop adds and subtracts: a LongAdder keeps them from contending on one cache line. */
    private final LongAdder activeRequests = new LongAdder();
    private final Counter reloads;
    private final Counter reloadFailures;
    private final MultiGauge targetHealth;
    private final MultiGauge targetEjections;

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // the pooled allocator is the one every proxy connection uses
        PooledByteBufAllocator pool = PooledByteBufAllocator.DEFAULT;
        Gauge.builder("gatehouse.netty.allocator.used.direct", pool, p -> p.metric().usedDirectMemory())
                .baseUnit("bytes").description("direct memory held by Netty's pooled allocator").register(registry);
        Gauge.builder("gatehouse.netty.allocator.used.heap", pool, p -> p.metric().usedHeapMemory())
                .baseUnit("bytes").description("heap memory held by Netty's pooled allocator").register(registry);
        Gauge.builder("gatehouse.requests.active", activeRequests, LongAdder::sum)
                .description("requests being handled now").register(registry);
        reloads = Counter.builder("gatehouse.config.reloads").tag("result", "applied")
                .description("configuration changes swapped in, or rejected").register(registry);
        reloadFailures = Counter.builder("gatehouse.config.reloads").tag("result", "rejected").register(registry);
        targetHealth = MultiGauge.builder("gatehouse.upstream.target.healthy")
                .description("1 when the target takes requests (healthy, not ejected), else 0").register(registry);
        targetEjections = MultiGauge.builder("gatehouse.upstream.target.ejections")
                .description("times the target was ejected by outlier detection").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Every metric, in the Prometheus text exposition format. */
    public String scrape() {
        return registry.scrape();
    }

    /** A gauge read when scraped (open connections, for example). */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
    }

    /** A counter kept elsewhere and read when scraped. */
    public <T> void functionCounter(String name, String description, T source, ToDoubleFunction<T> value) {
        FunctionCounter.builder(name, source, value).description(description).register(registry);
    }

    public void requestStarted() {
        activeRequests.increment();
    }

    /**
     * One finished request.
     *
     * @param route the route's name, or null when none matched
     * @param upstreamNanos time to the upstream's response head, or negative when no upstream answered
     */
    public void requestEnded(String route, String service, String method, int status, long totalNanos,
            long upstreamNanos, long bytesIn, long bytesOut) {
        activeRequests.decrement();
        RouteMeters m = routes.get(route);
        if (m == null) {
            m = routes.computeIfAbsent(route, r -> new RouteMeters(r, service));
        }
        m.requests(methodIndex(method), Math.min(4, Math.max(0, status / 100 - 1))).increment();
        m.total.record(totalNanos, TimeUnit.NANOSECONDS);
        if (upstreamNanos >= 0) {
            m.upstream.record(upstreamNanos, TimeUnit.NANOSECONDS);
        }
        m.bytesIn.increment(bytesIn);
        m.bytesOut.increment(bytesOut);
    }

    private static int methodIndex(String method) {
        for (int i = 0; i < METHODS.length - 1; i++) {
            if (METHODS[i].equals(method)) {
                return i;
            }
        }
        return METHODS.length - 1;
    }

    /** A failed try that the relay tries again. */
    public void retried(String upstream) {
        retries.computeIfAbsent(upstream, u -> Counter.builder("gatehouse.upstream.retries").tag("upstream", u)
                .description("tries retried after a failure").register(registry)).increment();
    }

    /**
     * A plugin answered instead of the upstream; {@code code} is the answer's stable error code
     * ({@code rate_limited}, {@code unauthorized}, ...).
     */
    public void pluginAnswered(String route, String code) {
        String key = route + '\0' + code;
        Counter c = rejections.get(key);
        if (c == null) {
            c = rejections.computeIfAbsent(key, k -> Counter.builder("gatehouse.plugin.rejections")
                    .tags("route", route, "code", code)
                    .description("requests a plugin answered itself (rate_limited, unauthorized, ...)")
                    .register(registry));
        }
        c.increment();
    }

    public void configApplied() {
        reloads.increment();
    }

    public void configRejected() {
        reloadFailures.increment();
    }

    /** One upstream target's health, read when scraped. */
    public record TargetRow(String upstream, String target, java.util.function.BooleanSupplier healthy,
            java.util.function.IntSupplier ejections) {
    }

    /** Replaces the per-target gauges (after a configuration change). */
    public void targets(List<TargetRow> rows) {
        targetHealth.register(rows.stream().map(r -> MultiGauge.Row.of(Tags.of("upstream", r.upstream(), "target",
                r.target()), r, t -> t.healthy().getAsBoolean() ? 1 : 0)).toList(), true);
        targetEjections.register(rows.stream().map(r -> MultiGauge.Row.of(Tags.of("upstream", r.upstream(),
                "target", r.target()), r, t -> t.ejections().getAsInt())).toList(), true);
    }

    /** The meters of one route, built once. */
    private final class RouteMeters {
        private final String route;
        private final String service;
        private final Counter[] requests = new Counter[METHODS.length * STATUS.length];
        final Timer total;
        final Timer upstream;
        final Counter bytesIn;
        final Counter bytesOut;

        RouteMeters(String route, String service) {
            this.route = route;
            this.service = service;
            total = Timer.builder("gatehouse.request.duration").tags("route", route, "service", service)
                    .description("from the request head to the last response byte")
                    .serviceLevelObjectives(BUCKETS).register(registry);
            upstream = Timer.builder("gatehouse.upstream.duration").tags("route", route, "service", service)
                    .description("from sending to the upstream to its response head")
                    .serviceLevelObjectives(BUCKETS).register(registry);
            bytesIn = Counter.builder("gatehouse.request.body").baseUnit("bytes").tags("route", route, "service",
                    service).description("request body bytes received").register(registry);
            bytesOut = Counter.builder("gatehouse.response.body").baseUnit("bytes").tags("route", route, "service",
                    service).description("response bytes sent").register(registry);
        }

        Counter requests(int method, int status) {
            int i = method * STATUS.length + status;
            Counter c = requests[i];
            if (c == null) {
                // racy but safe: the registry returns the one meter for the same name and tags
                c = Counter.builder("gatehouse.requests").tags("route", route, "service", service, "method",
                        METHODS[method], "status", STATUS[status]).description("requests handled")
                        .register(registry);
                requests[i] = c;
            }
            return c;
        }
    }
}
