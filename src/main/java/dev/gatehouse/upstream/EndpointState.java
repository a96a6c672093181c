package dev.gatehouse.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Gatehouse knows of one target at run time: requests in flight and passive health. Kept in the
 * {@link EndpointRegistry} by upstream name and address, so that it survives configuration reloads. Counters are
 * atomics read by every event loop; health changes are rare and taken under this object's lock.
 */
public final class EndpointState {

    private final String upstream;
    private final String authority;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Out of rotation until this instant (nanoTime), or 0. Written under the lock, read lock-free. */
    private volatile long ejectedUntilNanos;
    private volatile String ejectionReason = "";
    /** The verdict of active health checks; true until probes say otherwise. */
    private volatile boolean activeHealthy = true;
    private volatile String activeDetail = "";
    /** When the target last came back into rotation (nanoTime), or 0: drives slow start. */
    private volatile long returnedAtNanos;
    // guarded by this
    private int probesPassed;
    private int probesFailed;
    // guarded by this
    private int windowFailures;
    private long windowStartNanos;
    private int consecutive5xx;
    private int consecutiveGatewayErrors;
    private int ejections;

    EndpointState(String upstream, String authority) {
        this.upstream = upstream;
        this.authority = authority;
    }

    public String upstream() {
        return upstream;
    }

    public String authority() {
        return authority;
    }

    /** Requests now being sent to or answered by this target. */
    public int inFlight() {
        return inFlight.get();
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /** True unless passive checks or outlier detection took the target out of rotation until after {@code now}. */
    public boolean available(long nowNanos) {
        if (!activeHealthy) {
            return false;
        }
        long until = ejectedUntilNanos;
        return until == 0 || nowNanos - until >= 0;
    }

    /** When the target last came back into rotation (nanoTime), or 0 when it never left. */
    public long returnedAtNanos() {
        return returnedAtNanos;
    }

    /** The verdict of active health checks (true when there are none). */
    public boolean activeHealthy() {
        return activeHealthy;
    }

    /** What the last active probe found. */
    public String activeDetail() {
        return activeDetail;
    }

    /**
     * Counts one active probe.
     *
     * @return true when the verdict changed
     */
    synchronized boolean probed(boolean passed, String detail, int healthyThreshold, int unhealthyThreshold) {
        activeDetail = detail;
        if (passed) {
            probesFailed = 0;
            probesPassed++;
            if (!activeHealthy && probesPassed >= healthyThreshold) {
                activeHealthy = true;
                returnedAtNanos = System.nanoTime();
                return true;
            }
        } else {
            probesPassed = 0;
            probesFailed++;
            if (activeHealthy && probesFailed >= unhealthyThreshold) {
                activeHealthy = false;
                return true;
            }
        }
        return false;
    }

    /** When the current ejection ends (nanoTime), or 0 when not ejected. */
    public long ejectedUntilNanos() {
        return ejectedUntilNanos;
    }

    /** Why the target is (or was last) out of rotation. */
    public String ejectionReason() {
        return ejectionReason;
    }

    /** How many times outlier detection ejected this target. */
    public synchronized int ejections() {
        return ejections;
    }

    /** @return true when this call ended an expired ejection (exactly one caller sees true) */
    synchronized boolean clearExpiredEjection(long nowNanos) {
        long until = ejectedUntilNanos;
        if (until != 0 && nowNanos - until >= 0) {
            ejectedUntilNanos = 0;
            returnedAtNanos = nowNanos;
            return true;
        }
        return false;
    }

    /** Why passive health takes a target out of rotation. */
    enum EjectionCause {
        MAX_FAILS("max_fails failed attempts within fail_timeout"),
        CONSECUTIVE_5XX("consecutive 5xx responses"),
        CONSECUTIVE_GATEWAY_ERRORS("consecutive gateway errors");

        final String text;

        EjectionCause(String text) {
            this.text = text;
        }
    }

    /**
     * Counts an attempt's outcome.
     *
     * @return the reason to eject the target now, or null
     */
    synchronized EjectionCause record(AttemptOutcome outcome, HealthPolicy policy, long nowNanos) {
        if (outcome == AttemptOutcome.SUCCESS) {
            consecutive5xx = 0;
            consecutiveGatewayErrors = 0;
            return null;
        }
        consecutive5xx++;
        if (outcome != AttemptOutcome.HTTP_5XX) {
            consecutiveGatewayErrors++;
        }
        if (outcome == AttemptOutcome.LOCAL_FAILURE && policy.maxFails() > 0) {
            if (windowFailures == 0 || nowNanos - windowStartNanos > policy.failTimeoutNanos()) {
                windowStartNanos = nowNanos;
                windowFailures = 0;
            }
            windowFailures++;
            if (windowFailures >= policy.maxFails()) {
                windowFailures = 0;
                return EjectionCause.MAX_FAILS;
            }
        }
        if (policy.outlier()) {
            if (policy.consecutive5xx() > 0 && consecutive5xx >= policy.consecutive5xx()) {
                return EjectionCause.CONSECUTIVE_5XX;
            }
            if (policy.consecutiveGatewayErrors() > 0 && consecutiveGatewayErrors >= policy.consecutiveGatewayErrors()) {
                return EjectionCause.CONSECUTIVE_GATEWAY_ERRORS;
            }
        }
        return null;
    }

    /**
     * Takes the target out of rotation: for {@code fail_timeout} (nginx), or for the base ejection time times the
     * number of ejections (Envoy).
     */
    synchronized long eject(EjectionCause cause, HealthPolicy policy, long nowNanos) {
        long duration;
        if (cause != EjectionCause.MAX_FAILS) {
            ejections++;
            duration = policy.baseEjectionNanos() * ejections;
        } else {
            duration = policy.failTimeoutNanos();
        }
        consecutive5xx = 0;
        consecutiveGatewayErrors = 0;
        ejectedUntilNanos = nowNanos + duration;
        ejectionReason = cause.text;
        return duration;
    }
}
