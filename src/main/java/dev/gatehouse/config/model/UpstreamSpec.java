package dev.gatehouse.config.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A named group of targets with a balancing algorithm, a keep-alive pool policy and health rules.
 *
 * @param hashOn the consistent-hash key, used by {@code consistent-hash}
 * @param hashFallback the key used when {@code hashOn} is absent from a request
 * @param onAllUnhealthy what to do when no target is healthy
 * @param circuitBreakers limits past which requests are refused at once
 * @param sticky pins clients to targets through a cookie, or null
 * @param slowStart how long a target that comes back takes to reach its full share; zero for at once
 */
public record UpstreamSpec(
        String name,
        BalancingAlgorithm algorithm,
        List<TargetSpec> targets,
        KeepaliveSpec keepalive,
        HashKeySpec hashOn,
        HashKeySpec hashFallback,
        HealthChecksSpec healthChecks,
        OnAllUnhealthy onAllUnhealthy,
        CircuitBreakerSpec circuitBreakers,
        @Nullable StickySpec sticky,
        java.time.Duration slowStart,
        @Nullable UpstreamTlsSpec tls,
        boolean http2) {

    public UpstreamSpec {
        targets = List.copyOf(targets);
    }

    /**
     * {@code sticky}: Gatehouse sets a cookie naming the target that served a client (by an opaque id, never its
     * address) and sends the client's later requests there while that target is available.
     */
    public record StickySpec(String cookie, java.time.Duration ttl) {
    }

    /** {@code on_all_unhealthy}: answer 503 at once, or try the unhealthy targets anyway. */
    public enum OnAllUnhealthy { FAIL, IGNORE_HEALTH }

    /**
     * {@code health_checks}: active probes, passive rules (nginx's max_fails) and outlier detection (Envoy's).
     */
    public record HealthChecksSpec(@Nullable ActiveSpec active, PassiveSpec passive, @Nullable OutlierSpec outlier) {
        public static final HealthChecksSpec DEFAULTS = new HealthChecksSpec(null, PassiveSpec.OFF, null);
    }

    /**
     * {@code health_checks.active}: a probe of every target each {@code interval}. A target turns unhealthy after
     * {@code unhealthyThreshold} failed probes in a row and healthy again after {@code healthyThreshold} passed ones.
     *
     * @param http an HTTP GET of {@code path} (else a TCP connect)
     * @param expectedStatuses inclusive ranges {@code [from, to]} of statuses that pass
     */
    public record ActiveSpec(boolean http, String path, java.time.Duration interval, java.time.Duration timeout,
            int healthyThreshold, int unhealthyThreshold, List<int[]> expectedStatuses,
            java.util.Map<String, String> headers) {
        public ActiveSpec {
            expectedStatuses = List.copyOf(expectedStatuses);
            headers = java.util.Map.copyOf(headers);
        }

        public boolean expected(int status) {
            for (int[] range : expectedStatuses) {
                if (status >= range[0] && status <= range[1]) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * nginx's {@code max_fails}/{@code fail_timeout}: {@code maxFails} failed attempts within {@code failTimeout}
     * take a target out for {@code failTimeout}; 0 turns it off.
     */
    public record PassiveSpec(int maxFails, java.time.Duration failTimeout) {
        public static final PassiveSpec OFF = new PassiveSpec(0, java.time.Duration.ofSeconds(10));
    }

    /**
     * Envoy's outlier detection: a target answering {@code consecutive5xx} 5xx responses, or
     * {@code consecutiveGatewayErrors} gateway errors (502, 503, 504, connect failures, timeouts) in a row is
     * ejected for {@code baseEjectionTime} times the number of its ejections so far, while at most
     * {@code maxEjectionPercent} of the targets are ejected.
     */
    public record OutlierSpec(int consecutive5xx, int consecutiveGatewayErrors, java.time.Duration baseEjectionTime,
            int maxEjectionPercent) {
    }
}
