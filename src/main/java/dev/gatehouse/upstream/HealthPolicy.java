package dev.gatehouse.upstream;

/**
 * The passive health rules of one upstream, in nanoseconds.
 *
 * @param maxFails nginx's max_fails (0 turns it off)
 * @param outlier whether outlier detection is on
 * @param maxEjectionPercent at most this share of the targets is ejected by outlier detection at once
 * @param failFast answer 503 when no target is available, instead of trying them anyway
 */
public record HealthPolicy(
        int maxFails,
        long failTimeoutNanos,
        boolean outlier,
        int consecutive5xx,
        int consecutiveGatewayErrors,
        long baseEjectionNanos,
        int maxEjectionPercent,
        boolean failFast) {

    public static final HealthPolicy NONE = new HealthPolicy(0, 10_000_000_000L, false, 0, 0, 0, 0, false);
}
