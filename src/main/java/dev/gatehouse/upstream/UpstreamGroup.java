package dev.gatehouse.upstream;

import dev.gatehouse.config.model.CircuitBreakerSpec;
import dev.gatehouse.config.model.HashKeySpec;
import dev.gatehouse.config.model.UpstreamSpec.ActiveSpec;
import dev.gatehouse.config.model.UpstreamSpec.StickySpec;
import java.util.concurrent.ThreadLocalRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The targets of one upstream with their balancer, keep-alive policy and health rules. Immutable apart from
 * the balancer's state and a cache of which targets are available, recomputed when health changes or an
 * ejection runs out. Shared by all event loops.
 */
public final class UpstreamGroup {

    private final @Nullable UpstreamTls tls;
    private final boolean http2;

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamGroup.class);
    private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(3600);

    private final String name;
    private final List<TargetDefinition> targets;
    private final Function<List<Endpoint>, Balancer> balancerFactory;
    private volatile Members members;
    private final int maxIdlePerTarget;
    private final Duration idleTimeout;
    private final HealthPolicy health;
    private final @Nullable HashKeySpec hashOn;
    private final HashKeySpec hashFallback;
    private final EndpointRegistry registry;
    private final CircuitBreakerSpec breakers;
    private final @Nullable ActiveSpec activeCheck;
    private final @Nullable StickySpec sticky;
    private final long slowStartNanos;
    private final UpstreamCounters counters;
    private volatile Availability availability = new Availability(-1, 0, List.of());

    /**
     * The current endpoints with the balancer built for them and the sticky cookie value of each (an opaque hash,
     * the same across reloads and nodes). Replaced whole when a host name resolves to other addresses.
     */
    private record Members(List<Endpoint> endpoints, Balancer balancer, String[] stickyIds,
            Map<String, List<InetAddress>> resolved) {
    }

    /** The targets that may take requests now, valid until the health version moves or an ejection ends. */
    private record Availability(long version, long validUntilNanos, List<Endpoint> endpoints) {
    }

    /**
     * @param resolved the addresses of the named targets now
     * @param balancerFactory builds the balancer for a list of endpoints (again when the list changes)
     * @param hashOn the consistent-hash key, or null when the balancer does not hash
     */
    public UpstreamGroup(String name, List<TargetDefinition> targets, Map<String, List<InetAddress>> resolved,
            Function<List<Endpoint>, Balancer> balancerFactory, int maxIdlePerTarget,
            Duration idleTimeout, HealthPolicy health, @Nullable HashKeySpec hashOn, HashKeySpec hashFallback,
            CircuitBreakerSpec breakers, @Nullable ActiveSpec activeCheck, @Nullable StickySpec sticky,
            Duration slowStart, EndpointRegistry registry, @Nullable UpstreamTls tls, boolean http2) {
        this.tls = tls;
        this.http2 = http2;
        this.name = name;
        this.targets = List.copyOf(targets);
        this.balancerFactory = balancerFactory;
        this.maxIdlePerTarget = maxIdlePerTarget;
        this.idleTimeout = idleTimeout;
        this.health = health;
        this.hashOn = hashOn;
        this.hashFallback = hashFallback;
        this.registry = registry;
        this.breakers = breakers;
        this.activeCheck = activeCheck;
        this.sticky = sticky;
        this.slowStartNanos = slowStart.toNanos();
        this.counters = registry.counters(name);
        this.members = members(Map.copyOf(resolved));
    }

    private Members members(Map<String, List<InetAddress>> resolved) {
        List<Endpoint> endpoints = TargetDefinition.endpoints(name, targets, resolved, registry);
        String[] ids = new String[endpoints.size()];
        for (Endpoint e : endpoints) {
            ids[e.index()] = Long.toHexString(ConsistentHashBalancer.hash(name + "/" + e.authority() + "/"
                    + e.address().getAddress().getHostAddress()));
        }
        return new Members(List.copyOf(endpoints), balancerFactory.apply(endpoints), ids, resolved);
    }

    /** The host names among this upstream's targets, which DNS re-resolution keeps current. */
    public List<String> hostNames() {
        return targets.stream().filter(t -> !t.literal()).map(TargetDefinition::host).distinct().toList();
    }

    /** The addresses a host name resolved to last. */
    public List<InetAddress> resolved(String host) {
        return members.resolved().getOrDefault(host, List.of());
    }

    /** A host name now resolves to other addresses: rebuild the endpoints (and the balancer) around them. */
    public synchronized void updateResolved(String host, List<InetAddress> addresses) {
        Map<String, List<InetAddress>> next = new java.util.HashMap<>(members.resolved());
        next.put(host, List.copyOf(addresses));
        members = members(Map.copyOf(next));
        registry.healthChanged();
    }

    /** The sticky-session cookie of this upstream, or null. */
    public @Nullable StickySpec sticky() {
        return sticky;
    }

    /** The cookie value that pins a client to {@code endpoint}. */
    public String stickyId(Endpoint endpoint) {
        String[] ids = members.stickyIds();
        // an endpoint of an older member list (DNS changed meanwhile) may be out of range
        return endpoint.index() < ids.length ? ids[endpoint.index()] : "";
    }

    /**
     * The target a sticky cookie names, when it is available and not the one to avoid; otherwise a normal pick.
     */
    public @Nullable Endpoint pickSticky(@Nullable String cookieValue, PickContext context) {
        if (cookieValue != null) {
            List<Endpoint> candidates = available(System.nanoTime());
            for (int i = 0; i < candidates.size(); i++) {
                Endpoint e = candidates.get(i);
                if (stickyId(e).equals(cookieValue) && !e.equals(context.avoid())) {
                    return e;
                }
            }
        }
        return pick(context);
    }

    /** The active health check of this upstream, or null when it has none. */
    public @Nullable ActiveSpec activeCheck() {
        return activeCheck;
    }

    public UpstreamCounters counters() {
        return counters;
    }

    /**
     * Admits a request under {@code max_requests}; on success the caller must call {@link #requestEnded()}.
     *
     * @return null when admitted, else the name of the limit that overflowed
     */
    public @Nullable String admitRequest() {
        int limit = breakers.maxRequests();
        if (limit > 0 && counters.requests.get() >= limit) {
            return "max_requests";
        }
        counters.requests.incrementAndGet();
        return null;
    }

    public void requestEnded() {
        counters.requests.decrementAndGet();
    }

    /**
     * Admits opening one more connection under {@code max_connections} and {@code max_pending_requests}; on
     * success the caller reports {@link #connectEnded(boolean)}.
     *
     * @return null when admitted, else the name of the limit that overflowed
     */
    public @Nullable String admitConnect() {
        if (breakers.maxConnections() > 0 && counters.connections.get() >= breakers.maxConnections()) {
            return "max_connections";
        }
        if (breakers.maxPendingRequests() > 0 && counters.pending.get() >= breakers.maxPendingRequests()) {
            return "max_pending_requests";
        }
        counters.pending.incrementAndGet();
        return null;
    }

    /** A connect admitted by {@link #admitConnect()} finished; a new connection counts until it closes. */
    public void connectEnded(boolean connected) {
        counters.pending.decrementAndGet();
        if (connected) {
            counters.connections.incrementAndGet();
        }
    }

    public void connectionClosed() {
        counters.connections.decrementAndGet();
    }

    /** Requests go to the targets over HTTP/2 (one multiplexed connection per target and event loop). */
    public boolean http2() {
        return http2;
    }

    /** TLS to the targets, or null for plain HTTP. */
    public @Nullable UpstreamTls tls() {
        return tls;
    }

    public String name() {
        return name;
    }

    public List<Endpoint> endpoints() {
        return members.endpoints();
    }

    public int maxIdlePerTarget() {
        return maxIdlePerTarget;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** The consistent-hash key source, or null when this upstream does not hash. */
    public @Nullable HashKeySpec hashOn() {
        return hashOn;
    }

    public HashKeySpec hashFallback() {
        return hashFallback;
    }

    /**
     * Chooses a target among the available ones: healthy primaries, else healthy backups, else (with
     * {@code on_all_unhealthy: ignore-health}) every primary.
     *
     * @return null when no target can take the request
     */
    public @Nullable Endpoint pick(PickContext context) {
        long now = System.nanoTime();
        List<Endpoint> candidates = available(now);
        if (candidates.isEmpty()) {
            return null;
        }
        Balancer balancer = members.balancer();
        Endpoint chosen = balancer.pick(candidates, context);
        if (slowStartNanos > 0 && chosen != null && candidates.size() > 1 && !warm(chosen, now)) {
            // a target in slow start keeps a pick with a probability growing from 10 % to 100%; otherwise the
            // request goes elsewhere
            Endpoint other = balancer.pick(candidates, new PickContext(chosen, context.attempt(), context.hashKey()));
            if (other != null) {
                chosen = other;
            }
        }
        return chosen;
    }

    private boolean warm(Endpoint e, long now) {
        long since = e.state().returnedAtNanos();
        if (since == 0 || now - since >= slowStartNanos) {
            return true;
        }
        double share = Math.max(0.1, (now - since) / (double) slowStartNanos);
        return ThreadLocalRandom.current().nextDouble() < share;
    }

    private List<Endpoint> available(long now) {
        Availability a = availability;
        if (a.version != registry.healthVersion() || now - a.validUntilNanos >= 0) {
            a = recompute(now);
        }
        return a.endpoints;
    }

    private Availability recompute(long now) {
        long version = registry.healthVersion();
        List<Endpoint> endpoints = members.endpoints();
        long nextChange = now + RECHECK_NANOS;
        List<Endpoint> primaries = new ArrayList<>();
        List<Endpoint> backups = new ArrayList<>();
        for (Endpoint e : endpoints) {
            EndpointState s = e.state();
            if (!s.available(now)) {
                long until = s.ejectedUntilNanos();
                if (until - nextChange < 0) {
                    nextChange = until;
                }
                continue;
            }
            if (s.clearExpiredEjection(now)) {
                LOG.info("upstream '{}' target {}: ejected -> healthy (ejection time over)", name, e.authority());
            }
            (e.backup() ? backups : primaries).add(e);
        }
        List<Endpoint> chosen;
        if (!primaries.isEmpty()) {
            chosen = primaries;
        } else if (!backups.isEmpty()) {
            chosen = backups;
        } else if (health.failFast()) {
            chosen = List.of();
        } else {
            chosen = endpoints.stream().filter(e -> !e.backup()).toList();
            if (chosen.isEmpty()) {
                chosen = endpoints;
            }
        }
        Availability a = new Availability(version, nextChange, List.copyOf(chosen));
        availability = a;
        return a;
    }

    /** Counts how an attempt on {@code endpoint} ended; may take the target out of rotation. */
    public void report(Endpoint endpoint, AttemptOutcome outcome) {
        if (health.maxFails() == 0 && !health.outlier()) {
            return;
        }
        long now = System.nanoTime();
        EndpointState.EjectionCause cause = endpoint.state().record(outcome, health, now);
        if (cause == null) {
            return;
        }
        if (cause != EndpointState.EjectionCause.MAX_FAILS && !ejectionAllowed(now)) {
            LOG.warn("upstream '{}' target {}: would be ejected ({}) but max_ejection_percent {}% is reached", name,
                    endpoint.authority(), cause.text, health.maxEjectionPercent());
            return;
        }
        long duration = endpoint.state().eject(cause, health, now);
        registry.healthChanged();
        LOG.warn("upstream '{}' target {}: healthy -> ejected for {} ms ({})", name, endpoint.authority(),
                TimeUnit.NANOSECONDS.toMillis(duration), cause.text);
    }

    /** Envoy's rule: at most max_ejection_percent of the targets out at once, but one may always go. */
    private boolean ejectionAllowed(long now) {
        List<Endpoint> endpoints = members.endpoints();
        int ejected = 0;
        for (Endpoint e : endpoints) {
            if (!e.state().available(now)) {
                ejected++;
            }
        }
        return ejected == 0 || (ejected + 1) * 100 <= health.maxEjectionPercent() * endpoints.size();
    }

    /** Seconds until the first ejected target returns (at least 1), for {@code Retry-After}. */
    public long retryAfterSeconds() {
        List<Endpoint> endpoints = members.endpoints();
        long now = System.nanoTime();
        long soonest = Long.MAX_VALUE;
        for (Endpoint e : endpoints) {
            long until = e.state().ejectedUntilNanos();
            if (until != 0 && until - now > 0) {
                soonest = Math.min(soonest, until - now);
            }
        }
        return soonest == Long.MAX_VALUE ? 1 : Math.max(1, TimeUnit.NANOSECONDS.toSeconds(soonest + 999_999_999));
    }

    /**
     * One endpoint's state, for operators (the Admin API publishes it).
     *
     * @param target the configured {@code host:port}
     * @param address the resolved IP and port
     */
    public record TargetHealth(String target, String address, int weight, boolean backup, boolean available, int inFlight,
            boolean activeHealthy, String lastProbe, int ejections, String lastEjectionReason, long ejectedForMillis) {
    }

    /** The state of every target now. */
    public List<TargetHealth> health() {
        List<Endpoint> endpoints = members.endpoints();
        long now = System.nanoTime();
        List<TargetHealth> out = new ArrayList<>();
        for (Endpoint e : endpoints) {
            EndpointState s = e.state();
            long until = s.ejectedUntilNanos();
            long left = until != 0 && until - now > 0 ? TimeUnit.NANOSECONDS.toMillis(until - now) : 0;
            String address = e.address().getAddress().getHostAddress() + ":" + e.address().getPort();
            out.add(new TargetHealth(e.authority(), address, e.weight(), e.backup(), s.available(now), s.inFlight(),
                    s.activeHealthy(), s.activeDetail(), s.ejections(), s.ejectionReason(), left));
        }
        return out;
    }
}
