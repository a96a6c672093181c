package dev.gatehouse.upstream;

import dev.gatehouse.config.model.CircuitBreakerSpec;
import dev.gatehouse.config.model.HashKeySpec;
import dev.gatehouse.config.model.UpstreamSpec.ActiveSpec;
import dev.gatehouse.config.model.UpstreamSpec.StickySpec;
import java.util.concurrent.ThreadLocalRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The targets of one upstream with their balancer, keep-alive policy and health rules. Immutable apart from
 * the balancer's state and a cache of which targets are available, recomputed when health changes or an
 * ejection runs out. Shared by all event loops.
 */
public final class UpstreamGroup {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamGroup.class);
    private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(3600);

    private final String name;
    private final List<Endpoint> endpoints;
    private final Balancer balancer;
    private final int maxIdlePerTarget;
    private final Duration idleTimeout;
    private final HealthPolicy health;
    private final @Nullable HashKeySpec hashOn;
    private final HashKeySpec hashFallback;
    private final EndpointRegistry registry;
    private final CircuitBreakerSpec breakers;
    private final @Nullable ActiveSpec activeCheck;
    private final @Nullable StickySpec sticky;
    /** Cookie values naming each target, by index: opaque, stable across reloads and nodes. */
    private final String[] stickyIds;
    private final long slowStartNanos;
    private final UpstreamCounters counters;
    private volatile Availability availability = new Availability(-1, 0, List.of());

    /** The targets that may take requests now, valid until the health version moves or an ejection ends. */
    private record Availability(long version, long validUntilNanos, List<Endpoint> endpoints) {
    }

    /**
     * @param hashOn the consistent-hash key, or null when the balancer does not hash
     */
    public UpstreamGroup(String name, List<Endpoint> endpoints, Balancer balancer, int maxIdlePerTarget,
            Duration idleTimeout, HealthPolicy health, @Nullable HashKeySpec hashOn, HashKeySpec hashFallback,
            CircuitBreakerSpec breakers, @Nullable ActiveSpec activeCheck, @Nullable StickySpec sticky,
            Duration slowStart, EndpointRegistry registry) {
        this.name = name;
        this.endpoints = List.copyOf(endpoints);
        this.balancer = balancer;
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
        this.stickyIds = new String[this.endpoints.size()];
        for (Endpoint e : this.endpoints) {
            stickyIds[e.index()] = Long.toHexString(ConsistentHashBalancer.hash(name + "/" + e.authority()));
        }
        this.counters = registry.counters(name);
    }

    /** The sticky-session cookie of this upstream, or null. */
    public @Nullable StickySpec sticky() {
        return sticky;
    }

    /** The cookie value that pins a client to {@code endpoint}. */
    public String stickyId(Endpoint endpoint) {
        return stickyIds[endpoint.index()];
    }

    /**
     * The target a sticky cookie names, when it is available and not the one to avoid; otherwise a normal pick.
     */
    public @Nullable Endpoint pickSticky(@Nullable String cookieValue, PickContext context) {
        if (cookieValue != null) {
            List<Endpoint> candidates = available(System.nanoTime());
            for (int i = 0; i < candidates.size(); i++) {
                Endpoint e = candidates.get(i);
                if (stickyIds[e.index()].equals(cookieValue) && !e.equals(context.avoid())) {
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

    public String name() {
        return name;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
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

    /** One target's state, for operators (the Admin API publishes it). */
    public record TargetHealth(String address, int weight, boolean backup, boolean available, int inFlight,
            boolean activeHealthy, String lastProbe, int ejections, String lastEjectionReason, long ejectedForMillis) {
    }

    /** The state of every target now. */
    public List<TargetHealth> health() {
        long now = System.nanoTime();
        List<TargetHealth> out = new ArrayList<>();
        for (Endpoint e : endpoints) {
            EndpointState s = e.state();
            long until = s.ejectedUntilNanos();
            long left = until != 0 && until - now > 0 ? TimeUnit.NANOSECONDS.toMillis(until - now) : 0;
            out.add(new TargetHealth(e.authority(), e.weight(), e.backup(), s.available(now), s.inFlight(),
                    s.activeHealthy(), s.activeDetail(), s.ejections(), s.ejectionReason(), left));
        }
        return out;
    }
}
