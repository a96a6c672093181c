package dev.gatehouse.plugins.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Counters of one limit on this node, by key, for all event loops. Each key's state is a small object updated under
 * its own lock (contention is per client key, not global). Keys unused for two windows are forgotten, and at most
 * {@value #MAX_KEYS} are kept.
 */
final class LocalLimiter {

    static final int MAX_KEYS = 1_000_000;

    /**
     * The answer for one request.
     *
     * @param remaining requests left in the window after this one (0 when refused)
     * @param resetMillis milliseconds until the window resets (fixed/sliding) or the bucket is full
     * @param retryAfterMillis when refused: milliseconds until a request would be allowed
     */
    record Decision(boolean allowed, long limit, long remaining, long resetMillis, long retryAfterMillis) {
    }

    private final RateLimitingPlugin.Algorithm algorithm;
    private final long requests;
    private final long windowMillis;
    private final long capacity;
    private final Cache<String, State> states;

    LocalLimiter(RateLimitingPlugin.Algorithm algorithm, long requests, Duration per, long burst) {
        this.algorithm = algorithm;
        this.requests = requests;
        this.windowMillis = Math.max(1, per.toMillis());
        this.capacity = burst > 0 ? burst : requests;
        this.states = Caffeine.newBuilder().maximumSize(MAX_KEYS)
                .expireAfterAccess(Duration.ofMillis(windowMillis * 2)).build();
    }

    Decision take(String key, long nowMillis) {
        State s = states.get(key, k -> new State());
        synchronized (s) {
            return switch (algorithm) {
                case FIXED_WINDOW -> fixed(s, nowMillis);
                case SLIDING_WINDOW -> sliding(s, nowMillis);
                case TOKEN_BUCKET -> bucket(s, nowMillis);
            };
        }
    }

    private Decision fixed(State s, long now) {
        long window = now / windowMillis;
        if (window != s.window) {
            s.window = window;
            s.count = 0;
        }
        long reset = (window + 1) * windowMillis - now;
        if (s.count >= requests) {
            return new Decision(false, requests, 0, reset, reset);
        }
        s.count++;
        return new Decision(true, requests, requests - s.count, reset, 0);
    }

    /** The previous window's count, weighted by how much of it the sliding window still covers, plus this one's. */
    private Decision sliding(State s, long now) {
        long window = now / windowMillis;
        if (window != s.window) {
            s.previous = window == s.window + 1 ? s.count : 0;
            s.window = window;
            s.count = 0;
        }
        long elapsed = now - window * windowMillis;
        double weight = 1.0 - (double) elapsed / windowMillis;
        double used = s.previous * weight + s.count;
        long reset = windowMillis - elapsed;
        if (used + 1 > requests) {
            // the estimate falls as the previous window slides out; when it is not enough, at the window's end
            long retry = reset;
            if (s.previous > 0 && s.count < requests) {
                double needed = (s.previous * weight + s.count + 1 - requests) / s.previous;
                retry = Math.min(reset, (long) Math.ceil(needed * windowMillis));
            }
            return new Decision(false, requests, 0, reset, Math.max(1, retry));
        }
        s.count++;
        long remaining = (long) Math.floor(requests - used - 1);
        return new Decision(true, requests, Math.max(0, remaining), reset, 0);
    }

    /** nginx's limit_req with nodelay: a bucket of {@code burst} (or {@code requests}) tokens refilled steadily. */
    private Decision bucket(State s, long now) {
        double ratePerMilli = (double) requests / windowMillis;
        if (s.window == 0) {
            s.tokens = capacity;
        } else {
            s.tokens = Math.min(capacity, s.tokens + (now - s.window) * ratePerMilli);
        }
        s.window = now;
        long toFull = (long) Math.ceil((capacity - s.tokens) / ratePerMilli);
        if (s.tokens < 1) {
            long retry = (long) Math.ceil((1 - s.tokens) / ratePerMilli);
            return new Decision(false, capacity, 0, toFull, Math.max(1, retry));
        }
        s.tokens -= 1;
        return new Decision(true, capacity, (long) Math.floor(s.tokens), (long) Math.ceil((capacity - s.tokens)
                / ratePerMilli), 0);
    }

    /** Per-key counters; guarded by the object's own lock. */
    private static final class State {
        long window;
        long count;
        long previous;
        double tokens;
    }
}
