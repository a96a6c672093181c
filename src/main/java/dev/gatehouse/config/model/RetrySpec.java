package dev.gatehouse.config.model;

import java.time.Duration;
import java.util.Set;

/**
 * {@code retries:} of a service or route.
 *
 * @param attempts how many times a failed request is tried again (0: never)
 * @param on the conditions that allow a retry
 * @param retriableStatuses response statuses listed as {@code retriable-status:NNN}
 * @param perTryTimeout the limit for one try, from sending it to the response head; null for none
 * @param retryNonIdempotent also retry POST, PATCH and other non-idempotent requests
 * @param bufferSize request bodies up to this size are kept for replay; larger ones are never retried
 * @param budgetPercent retries in flight may be at most this share of the upstream's requests in flight
 */
public record RetrySpec(
        int attempts,
        Set<Condition> on,
        Set<Integer> retriableStatuses,
        @org.jspecify.annotations.Nullable Duration perTryTimeout,
        Duration backoffBase,
        Duration backoffMax,
        boolean retryNonIdempotent,
        long bufferSize,
        int budgetPercent) {

    public static final RetrySpec NONE = new RetrySpec(0, Set.of(), Set.of(), null, Duration.ofMillis(25),
            Duration.ofMillis(250), false, 64 * 1024, 20);

    public RetrySpec {
        on = Set.copyOf(on);
        retriableStatuses = Set.copyOf(retriableStatuses);
    }

    /** Retry conditions, named as in Envoy's {@code retry_on}. */
    public enum Condition {
        /** Connecting failed (refused, unreachable or timed out). */
        CONNECT_FAILURE("connect-failure"),
        /** The connection was refused. */
        REFUSED("refused"),
        /** The connection closed or reset before a response head. */
        RESET("reset"),
        /** A try timed out (read timeout or per_try_timeout) before a response head. */
        TIMEOUT("timeout"),
        /** 502, 503 or 504 from the upstream, or a connect failure or timeout. */
        GATEWAY_ERROR("gateway-error"),
        /** Any 5xx from the upstream, or any failure without a response. */
        SERVER_ERROR("5xx");

        private final String configName;

        Condition(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static Condition fromConfigName(String name) {
            for (Condition c : values()) {
                if (c.configName.equals(name)) {
                    return c;
                }
            }
            return null;
        }
    }
}
