package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.SharedStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Every limit of one plugin decided in Redis with one atomic script call per request (EVALSHA), so all nodes share
 * the counters. As on one node, a request is counted in every limit only when all of them allow it. Keys carry a
 * hash tag (all of one client's keys hash to one Cluster slot) and expire when their state no longer matters.
 *
 * <p>Every script takes {@code ARGV[1]} = the node's time in ms, then four values per limit (requests, window ms,
 * bucket size, immediate), and returns five integers per limit: allowed, remaining, reset ms, retry ms, delay ms.
 */
final class RedisLimiter {

    /** Fixed windows: one counter per window. */
    static final String FIXED = """
            local now = tonumber(ARGV[1])
            local counts, ok = {}, true
            for i = 1, #KEYS do
              counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
              if counts[i] >= tonumber(ARGV[4 * i - 2]) then ok = false end
            end
            local out = {}
            for i = 1, #KEYS do
              local limit = tonumber(ARGV[4 * i - 2])
              local window = tonumber(ARGV[4 * i - 1])
              local reset = window - (now % window)
              if counts[i] >= limit then
                out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = reset; out[#out + 1] = reset
              elseif ok then
                local c = redis.call('INCR', KEYS[i])
                if c == 1 then redis.call('PEXPIRE', KEYS[i], window) end
                out[#out + 1] = 1; out[#out + 1] = limit - c; out[#out + 1] = reset; out[#out + 1] = 0
              else
                out[#out + 1] = 1; out[#out + 1] = limit - counts[i]; out[#out + 1] = reset; out[#out + 1] = 0
              end
              out[#out + 1] = 0
            end
            return out
            """;

    /**
     * Sliding windows: the previous window's count weighted by its overlap plus the current one's. Keys come in
     * pairs: current, previous.
     */
    static final String SLIDING = """
            local now = tonumber(ARGV[1])
            local n = #KEYS / 2
            local used, prev, ok = {}, {}, true
            for i = 1, n do
              local limit = tonumber(ARGV[4 * i - 2])
              local window = tonumber(ARGV[4 * i - 1])
              prev[i] = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
              local c = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
              used[i] = prev[i] * (1 - (now % window) / window) + c
              if used[i] + 1 > limit then ok = false end
            end
            local out = {}
            for i = 1, n do
              local limit = tonumber(ARGV[4 * i - 2])
              local window = tonumber(ARGV[4 * i - 1])
              local reset = window - (now % window)
              if used[i] + 1 > limit then
                local retry = reset
                if prev[i] > 0 and used[i] - prev[i] * (1 - (now % window) / window) < limit then
                  retry = math.max(1, math.min(reset, math.ceil((used[i] + 1 - limit) / prev[i] * window)))
                end
                out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = reset; out[#out + 1] = retry
              elseif ok then
                local c = redis.call('INCR', KEYS[2 * i - 1])
                if c == 1 then redis.call('PEXPIRE', KEYS[2 * i - 1], window * 2) end
                out[#out + 1] = 1; out[#out + 1] = math.max(0, math.floor(limit - used[i] - 1))
                out[#out + 1] = reset; out[#out + 1] = 0
              else
                out[#out + 1] = 1; out[#out + 1] = math.max(0, math.floor(limit - used[i]))
                out[#out + 1] = reset; out[#out + 1] = 0
              end
              out[#out + 1] = 0
            end
            return out
            """;

    /**
     * Token buckets: a hash of tokens and the time of the last refill, on Redis's own clock (so the nodes' clocks
     * need not agree). The hash expires when the bucket would be full again.
     */
    static final String BUCKET = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local tokens, ok = {}, true
            for i = 1, #KEYS do
              local rate = tonumber(ARGV[4 * i - 2]) / tonumber(ARGV[4 * i - 1])
              local cap = tonumber(ARGV[4 * i])
              local s = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
              if s[1] then
                tokens[i] = math.min(cap, tonumber(s[1]) + math.max(0, now - tonumber(s[2])) * rate)
              else
                tokens[i] = cap
              end
              if tokens[i] < 1 then ok = false end
            end
            local out = {}
            for i = 1, #KEYS do
              local rate = tonumber(ARGV[4 * i - 2]) / tonumber(ARGV[4 * i - 1])
              local cap = tonumber(ARGV[4 * i])
              local immediate = tonumber(ARGV[4 * i + 1])
              local tk = tokens[i]
              if tk < 1 then
                out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = math.ceil((cap - tk) / rate)
                out[#out + 1] = math.max(1, math.ceil((1 - tk) / rate)); out[#out + 1] = 0
              else
                local delay = 0
                if ok then
                  tk = tk - 1
                  redis.call('HSET', KEYS[i], 'tokens', tostring(tk), 'ts', now)
                  redis.call('PEXPIRE', KEYS[i], math.ceil((cap - tk) / rate) + 1000)
                  local queued = cap - tk - immediate
                  if queued > 0 then delay = math.ceil(queued / rate) end
                end
                out[#out + 1] = 1; out[#out + 1] = math.floor(tk); out[#out + 1] = math.ceil((cap - tk) / rate)
                out[#out + 1] = 0; out[#out + 1] = delay
              end
            end
            return out
            """;

    private final SharedStore store;
    private final RateLimitingPlugin.Algorithm algorithm;
    private final String namespace;
    private final List<RateLimitingPlugin.Limit> limits;
    private final List<String> limitArgs;

    RedisLimiter(SharedStore store, RateLimitingPlugin.Algorithm algorithm, String namespace,
            List<RateLimitingPlugin.Limit> limits) {
        this.store = store;
        this.algorithm = algorithm;
        this.namespace = namespace;
        this.limits = List.copyOf(limits);
        List<String> args = new ArrayList<>();
        for (RateLimitingPlugin.Limit l : limits) {
            args.add(String.valueOf(l.requests()));
            args.add(String.valueOf(window(l)));
            args.add(String.valueOf(l.capacity()));
            args.add(String.valueOf(l.immediate()));
        }
        this.limitArgs = List.copyOf(args);
    }

    private static long window(RateLimitingPlugin.Limit l) {
        return Math.max(1, l.per().toMillis());
    }

    /** One decision per limit, in order; fails when Redis cannot be reached in time. */
    CompletionStage<LocalLimiter.Decision[]> take(String key, long nowMillis) {
        List<String> keys = new ArrayList<>(limits.size() * 2);
        String tag = "gatehouse:rl:{" + namespace + ":" + key + "}:";
        for (RateLimitingPlugin.Limit l : limits) {
            long window = window(l);
            if (algorithm == RateLimitingPlugin.Algorithm.TOKEN_BUCKET) {
                keys.add(tag + "tb:" + window);
                continue;
            }
            long index = nowMillis / window;
            keys.add(tag + window + ":" + index);
            if (algorithm == RateLimitingPlugin.Algorithm.SLIDING_WINDOW) {
                keys.add(tag + window + ":" + (index - 1));
            }
        }
        List<String> args = new ArrayList<>(limitArgs.size() + 1);
        args.add(String.valueOf(nowMillis));
        args.addAll(limitArgs);
        String script = switch (algorithm) {
            case FIXED_WINDOW -> FIXED;
            case SLIDING_WINDOW -> SLIDING;
            case TOKEN_BUCKET -> BUCKET;
        };
        return store.evalIntegers(script, keys, args).thenApply(values -> {
            LocalLimiter.Decision[] out = new LocalLimiter.Decision[limits.size()];
            for (int i = 0; i < out.length; i++) {
                long limit = algorithm == RateLimitingPlugin.Algorithm.TOKEN_BUCKET ? limits.get(i).capacity()
                        : limits.get(i).requests();
                out[i] = new LocalLimiter.Decision(values.get(5 * i) == 1, limit, values.get(5 * i + 1),
                        values.get(5 * i + 2), values.get(5 * i + 3), values.get(5 * i + 4));
            }
            return out;
        });
    }
}
