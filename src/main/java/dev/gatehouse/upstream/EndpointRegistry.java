package dev.gatehouse.upstream;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run-time state of every target, by upstream name and address: outlives configuration snapshots, so that a
 * reload neither forgets an ejection nor resets in-flight counts.
 */
public final class EndpointRegistry {

    private final ConcurrentHashMap<String, EndpointState> states = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UpstreamCounters> counters = new ConcurrentHashMap<>();
    /** Bumped on every health change, so that upstream groups know to recompute who is available. */
    private final AtomicLong healthVersion = new AtomicLong();

    public EndpointState state(String upstream, String authority) {
        return states.computeIfAbsent(upstream + "\n" + authority, k -> new EndpointState(upstream, authority));
    }

    /** The load counters of an upstream (created on first use; never forgotten, as they are small). */
    public UpstreamCounters counters(String upstream) {
        return counters.computeIfAbsent(upstream, k -> new UpstreamCounters());
    }

    long healthVersion() {
        return healthVersion.get();
    }

    void healthChanged() {
        healthVersion.incrementAndGet();
    }

    /** Forgets targets no longer configured. */
    public void retain(Set<EndpointState> live) {
        states.values().removeIf(s -> !live.contains(s));
    }

    public Collection<EndpointState> all() {
        return states.values();
    }
}
