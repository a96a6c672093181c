package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.SharedStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Every limit of one plugin decided in Redis with one atomic script call per request (EVALSHA), so all nodes share
 * the counters. Keys carry a hash tag (all of one client's keys hash to one Cluster slot) and expire with their
 * window.
 */
final class RedisLimiter {

    /** Fixed windows: INCR the window's counter. Returns allowed, remaining, reset ms, retry ms per limit. */
    static final String FIXED = """
            local now = tonumber(ARGV[1])
            local out = {}
            for i = 1, #KEYS do
              local limit = tonumber(ARGV[2 * i])
              local window = tonumber(ARGV[2 * i + 1])
              local count = redis.call('INCR', KEYS[i])
              if count == 1 then redis.call('PEXPIRE', KEYS[i], window) end
              local reset = window - (now % window)
              if count > limit then
                out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = reset; out[#out + 1] = reset
              else
                out[#out + 1] = 1; out[#out + 1] = limit - count; out[#out + 1] = reset; out[#out + 1] = 0
              end
            end
            return out
            """;

    /**
     * Sliding windows: the previous window's count weighted by its overlap plus the current one's; the current counter
     * only grows for admitted requests. Keys come in pairs: current, previous.
     */
    static final String SLIDING = """
            local now = tonumber(ARGV[1])
            local out = {}
            for i = 1, #KEYS / 2 do
              local cur = KEYS[2 * i - 1]
              local prev = KEYS[2 * i]
              local limit = tonumber(ARGV[2 * i])
              local window = tonumber(ARGV[2 * i + 1])
              local elapsed = now % window
              local p = tonumber(redis.call('GET', prev) or '0')
              local c = tonumber(redis.call('GET', cur) or '0')
              local used = p * (1 - elapsed / window) + c
              local reset = window - elapsed
              if used + 1 > limit then
                out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = reset; out[#out + 1] = reset
              else
                c = redis.call('INCR', cur)
                if c == 1 then redis.call('PEXPIRE', cur, window * 2) end
                out[#out + 1] = 1; out[#out + 1] = math.floor(limit - used - 1); out[#out + 1] = reset
                out[#out + 1] = 0
              end
            end
            return out
            """;

    private final SharedStore store;
    private final boolean sliding;
    private final String namespace;
    private final long[] limits;
    private final long[] windowsMillis;

    RedisLimiter(SharedStore store, boolean sliding, String namespace, long[] limits, long[] windowsMillis) {
        this.store = store;
        this.sliding = sliding;
        this.namespace = namespace;
        this.limits = limits.clone();
        this.windowsMillis = windowsMillis.clone();
    }

    /** One decision per limit, in order; fails when Redis cannot be reached in time. */
    CompletionStage<LocalLimiter.Decision[]> take(String key, long nowMillis) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>();
        args.add(String.valueOf(nowMillis));
        String tag = "gatehouse:rl:{" + namespace + ":" + key + "}:";
        for (int i = 0; i < limits.length; i++) {
            long window = windowsMillis[i];
            long index = nowMillis / window;
            keys.add(tag + window + ":" + index);
            if (sliding) {
                keys.add(tag + window + ":" + (index - 1));
            }
            args.add(String.valueOf(limits[i]));
            args.add(String.valueOf(window));
        }
        return store.evalIntegers(sliding ? SLIDING : FIXED, keys, args).thenApply(values -> {
            LocalLimiter.Decision[] out = new LocalLimiter.Decision[limits.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = new LocalLimiter.Decision(values.get(4 * i) == 1, limits[i], values.get(4 * i + 1),
                        values.get(4 * i + 2), values.get(4 * i + 3));
            }
            return out;
        });
    }
}
