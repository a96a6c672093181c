package dev.gatehouse.plugins.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The counters of one plugin's limits on this node, by key, for all event loops. One key's counters for every limit
 * sit in one small immutable object, replaced with compare-and-set (lock-free: a request whose update loses the
 * race computes again from the winner's counters), so a request is checked against every limit and counted only
 * when all of them allow it: a request refused by the per-second limit does not use up the hourly one. Keys idle
 * for longer than their state matters are forgotten, and at most {@value #MAX_KEYS} are kept.
 */
final class LocalLimiter {

    static final int MAX_KEYS = 1_000_000;

    /**
     * The answer of one limit for one request.
     *
     * @param allowed false when this limit refuses the request
     * @param remaining requests left after this one (0 when refused)
     * @param resetMillis milliseconds until the window resets (fixed/sliding) or the bucket is full
     * @param retryAfterMillis when refused: milliseconds until a request would be allowed
     * @param delayMillis token bucket with {@code delay}: how long this request waits in the queue before it goes on
     */
    record Decision(boolean allowed, long limit, long remaining, long resetMillis, long retryAfterMillis,
            long delayMillis) {
    }

    /**
     * Per-key counters for every limit. Never changed once published in the table's reference: each decision works
     * on a copy and swaps it in.
     */
    static final class State {
        final long[] window;
        final long[] count;
        final long[] previous;
        final double[] tokens;

        State(int limits) {
            window = new long[limits];
            count = new long[limits];
            previous = new long[limits];
            tokens = new double[limits];
        }

        private State(State from) {
            window = from.window.clone();
            count = from.count.clone();
            previous = from.previous.clone();
            tokens = from.tokens.clone();
        }

        State copy() {
            return new State(this);
        }
    }

    private final RateLimitingPlugin.Algorithm algorithm;
    private final long[] requests;
    private final long[] windowMillis;
    private final long[] capacity;
    private final long[] immediate;
    private final Cache<String, AtomicReference<State>> states;
    /** Built once: a lambda capturing the limit count would be allocated on every lookup. */
    private final java.util.function.Function<String, AtomicReference<State>> newState;

    /**
     * @param states the key table, from {@link #table}; kept across reloads so that quotas survive them
     */
    LocalLimiter(RateLimitingPlugin.Algorithm algorithm, List<RateLimitingPlugin.Limit> limits,
            Cache<String, AtomicReference<State>> states) {
        int n = limits.size();
        this.algorithm = algorithm;
        this.requests = new long[n];
        this.windowMillis = new long[n];
        this.capacity = new long[n];
        this.immediate = new long[n];
        for (int i = 0; i < n; i++) {
            RateLimitingPlugin.Limit l = limits.get(i);
            requests[i] = l.requests();
            windowMillis[i] = Math.max(1, l.per().toMillis());
            capacity[i] = l.capacity();
            immediate[i] = l.immediate();
        }
        this.states = states;
        this.newState = k -> new AtomicReference<>(new State(n));
    }

    /** A key table whose idle keys are dropped after {@code idle}. */
    static Cache<String, AtomicReference<State>> table(Duration idle) {
        return Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(idle).build();
    }

    /** How long a key's counters matter after its last request: two windows, or the time its bucket takes to fill. */
    static Duration idleAfter(RateLimitingPlugin.Algorithm algorithm, List<RateLimitingPlugin.Limit> limits) {
        long max = 1;
        for (RateLimitingPlugin.Limit l : limits) {
            long window = Math.max(1, l.per().toMillis());
            long refill = (long) Math.ceil((double) l.capacity() * window / l.requests());
            max = Math.max(max, algorithm == RateLimitingPlugin.Algorithm.TOKEN_BUCKET ? refill : 2 * window);
        }
        return Duration.ofMillis(max);
    }

    /** Checks every limit; counts the request in all of them only when all allow it. */
    Decision[] take(String key, long nowMillis) {
        int n = requests.length;
        AtomicReference<State> ref = states.getIfPresent(key);
        if (ref == null) {
            ref = states.get(key, newState);
        }
        Decision[] out = new Decision[n];
        while (true) {
            State old = ref.get();
            State s = old.copy();
            boolean allowed = true;
            for (int i = 0; i < n; i++) {
                advance(s, i, nowMillis);
                allowed &= fits(s, i, nowMillis);
            }
            for (int i = 0; i < n; i++) {
                out[i] = allowed ? commit(s, i, nowMillis) : peek(s, i, nowMillis);
            }
            // a refusal changes nothing worth keeping (the roll-over is recomputed next time)
            if (!allowed || ref.compareAndSet(old, s)) {
                return out;
            }
        }
    }

    /** Rolls windows over and refills buckets up to {@code now}. */
    private void advance(State s, int i, long now) {
        switch (algorithm) {
            case FIXED_WINDOW -> {
                long window = now / windowMillis[i];
                if (window != s.window[i]) {
                    s.window[i] = window;
                    s.count[i] = 0;
                }
            }
            case SLIDING_WINDOW -> {
                long window = now / windowMillis[i];
                if (window != s.window[i]) {
                    s.previous[i] = window == s.window[i] + 1 ? s.count[i] : 0;
                    s.window[i] = window;
                    s.count[i] = 0;
                }
            }
            case TOKEN_BUCKET -> {
                // window holds the time of the last refill (0: a new, full bucket)
                s.tokens[i] = s.window[i] == 0 ? capacity[i]
                        : Math.min(capacity[i], s.tokens[i] + Math.max(0, now - s.window[i]) * rate(i));
                s.window[i] = now;
            }
        }
    }

    private double rate(int i) {
        return (double) requests[i] / windowMillis[i];
    }

    /** The sliding estimate: the previous window's count weighted by how much of it is still covered, plus this one's. */
    private double slidingUsed(State s, int i, long now) {
        double elapsed = now - s.window[i] * windowMillis[i];
        return s.previous[i] * (1.0 - elapsed / windowMillis[i]) + s.count[i];
    }

    private boolean fits(State s, int i, long now) {
        return switch (algorithm) {
            case FIXED_WINDOW -> s.count[i] < requests[i];
            case SLIDING_WINDOW -> slidingUsed(s, i, now) + 1 <= requests[i];
            case TOKEN_BUCKET -> s.tokens[i] >= 1;
        };
    }

    private long windowReset(State s, int i, long now) {
        return (s.window[i] + 1) * windowMillis[i] - now;
    }

    private long toFull(State s, int i) {
        return (long) Math.ceil((capacity[i] - s.tokens[i]) / rate(i));
    }

    private Decision commit(State s, int i, long now) {
        return switch (algorithm) {
            case FIXED_WINDOW -> {
                s.count[i]++;
                yield new Decision(true, requests[i], requests[i] - s.count[i], windowReset(s, i, now), 0, 0);
            }
            case SLIDING_WINDOW -> {
                double used = slidingUsed(s, i, now);
                s.count[i]++;
                yield new Decision(true, requests[i], Math.max(0, (long) Math.floor(requests[i] - used - 1)),
                        windowReset(s, i, now), 0, 0);
            }
            case TOKEN_BUCKET -> {
                s.tokens[i] -= 1;
                // the first `immediate` requests of a burst go at once, the rest wait their turn at the rate
                double queued = capacity[i] - s.tokens[i] - immediate[i];
                long delay = queued > 0 ? (long) Math.ceil(queued / rate(i)) : 0;
                yield new Decision(true, capacity[i], (long) Math.floor(s.tokens[i]), toFull(s, i), 0, delay);
            }
        };
    }

    /**
     * When a refused request would fit: the estimate falls as the previous window slides out; when that is not
     * enough (or there is no previous window), at the window's end.
     */
    static long slidingRetry(double used, long previous, long count, long requests, long windowMillis, long reset) {
        long retry = reset;
        if (previous > 0 && count < requests) {
            double needed = (used + 1 - requests) / previous;
            retry = Math.min(reset, (long) Math.ceil(needed * windowMillis));
        }
        return Math.max(1, retry);
    }

    /** This limit's state without counting the request: refused when it does not fit, otherwise its headroom. */
    private Decision peek(State s, int i, long now) {
        boolean fits = fits(s, i, now);
        return switch (algorithm) {
            case FIXED_WINDOW -> {
                long reset = windowReset(s, i, now);
                yield new Decision(fits, requests[i], requests[i] - s.count[i], reset, fits ? 0 : reset, 0);
            }
            case SLIDING_WINDOW -> {
                double used = slidingUsed(s, i, now);
                long reset = windowReset(s, i, now);
                long retry = fits ? 0
                        : slidingRetry(used, s.previous[i], s.count[i], requests[i], windowMillis[i], reset);
                yield new Decision(fits, requests[i], Math.max(0, (long) Math.floor(requests[i] - used)), reset,
                        retry, 0);
            }
            case TOKEN_BUCKET -> new Decision(fits, capacity[i], (long) Math.floor(s.tokens[i]), toFull(s, i),
                    fits ? 0 : Math.max(1, (long) Math.ceil((1 - s.tokens[i]) / rate(i))), 0);
        };
    }
}
