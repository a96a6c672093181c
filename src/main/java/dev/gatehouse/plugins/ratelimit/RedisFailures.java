package dev.gatehouse.plugins.ratelimit;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis failures of the rate limiters: counted, and logged at most once per {@value #LOG_INTERVAL_MS} ms with the
 * count so far, so that an outage gives a line every few seconds rather than one per request.
 */
final class RedisFailures {

    private static final Logger LOG = LoggerFactory.getLogger(RedisFailures.class);
    private static final long LOG_INTERVAL_MS = 10_000;
    private static final AtomicLong LAST_LOG = new AtomicLong();
    private static final AtomicLong COUNT = new AtomicLong();

    private RedisFailures() {
    }

    /** Counts one failure; logs it with {@code consequence} unless a line went out within the interval. */
    static void record(Throwable error, String consequence) {
        long failures = COUNT.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = LAST_LOG.get();
        if (now - last >= LOG_INTERVAL_MS && LAST_LOG.compareAndSet(last, now)) {
            LOG.warn("redis unreachable ({}); {} ({} failures so far)", error.toString(), consequence, failures);
        }
    }
}
