package dev.gatehouse.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load counters of one upstream over all event loops, for circuit breakers and the retry budget. Kept in the
 * {@link EndpointRegistry} by upstream name, so they count requests of old and new snapshots alike.
 */
public final class UpstreamCounters {

    /** Retries are always allowed up to this many at once, whatever the budget (Envoy's min_retry_concurrency). */
    static final int MIN_RETRY_CONCURRENCY = 3;

    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger pending = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();

    public int requests() {
        return requests.get();
    }

    public int pending() {
        return pending.get();
    }

    public int connections() {
        return connections.get();
    }

    public int retries() {
        return retries.get();
    }

    /** Takes a slot of the retry budget: retries in flight below {@code percent} % of requests in flight. */
    public boolean tryStartRetry(int percent) {
        while (true) {
            int current = retries.get();
            int allowed = Math.max(MIN_RETRY_CONCURRENCY, requests.get() * percent / 100);
            if (current >= allowed) {
                return false;
            }
            if (retries.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public void retryEnded() {
        retries.decrementAndGet();
    }
}
