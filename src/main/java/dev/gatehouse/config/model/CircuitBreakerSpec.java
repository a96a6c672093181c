package dev.gatehouse.config.model;

/**
 * {@code circuit_breakers:} of an upstream: limits past which requests get 503 at once instead of waiting.
 * 0 means no limit.
 *
 * @param maxConnections connections open to the upstream's targets, over all event loops
 * @param maxPendingRequests requests waiting for a new connection to open
 * @param maxRequests requests in flight to the upstream
 */
public record CircuitBreakerSpec(int maxConnections, int maxPendingRequests, int maxRequests) {

    public static final CircuitBreakerSpec NONE = new CircuitBreakerSpec(0, 0, 0);
}
