package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.SharedStore;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Every limit of one plugin decided in Redis with one atomic script call per request (EVALSHA), so all nodes share
 * the counters. As on one node, a request is counted in every limit only when all of them allow it. Keys carry a
 * hash tag (all of one client's keys hash to one Cluster slot) and expire when their state no longer matters.
 *
 * <p>Requests for the same key that one event loop reads in one wake-up (a burst from one client, or every request
 * under a {@code global} key) share one script call: the script decides them one after the other, exactly as that
 * many calls would, and answers each. Redis runs scripts one at a time, so a burst of N calls would keep the last
 * request waiting behind N-1 others' scripts; one call for all of them costs the script's setup once. The call is
 * sent when the loop has read everything of that wake-up, which is when its Redis commands are flushed anyway
 * ({@code LoopFlush}), so the batching adds no wait.
 *
 * <p>Every script takes {@code ARGV[1]} = the node's time in ms, {@code ARGV[2]} = how many requests to decide, then
 * four values per limit (requests, window ms, bucket size, immediate), and returns, for each request in turn, five
 * integers per limit: allowed, remaining, reset ms, retry ms, delay ms.
 */
final class RedisLimiter {

    /** Fixed windows: one counter per window. */
    static final String FIXED = """
            local now, count, n = tonumber(ARGV[1]), tonumber(ARGV[2]), #KEYS
            local stored = redis.call('MGET', unpack(KEYS))
            local limit, window, reset, counts, added = {}, {}, {}, {}, {}
            for i = 1, n do
              limit[i] = tonumber(ARGV[4 * i - 1])
              window[i] = tonumber(ARGV[4 * i])
              reset[i] = window[i] - now % window[i]
              counts[i] = tonumber(stored[i]) or 0
              added[i] = 0
            end
            local out = {}
            for r = 1, count do
              local ok = true
              for i = 1, n do
                if counts[i] >= limit[i] then ok = false end
              end
              for i = 1, n do
                if counts[i] >= limit[i] then
                  out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = reset[i]; out[#out + 1] = reset[i]
                else
                  if ok then counts[i] = counts[i] + 1; added[i] = added[i] + 1 end
                  out[#out + 1] = 1; out[#out + 1] = limit[i] - counts[i]; out[#out + 1] = reset[i]; out[#out + 1] = 0
                end
                out[#out + 1] = 0
              end
            end
            for i = 1, n do
              if added[i] > 0 and redis.call('INCRBY', KEYS[i], added[i]) == added[i] then
                redis.call('PEXPIRE', KEYS[i], window[i])
              end
            end
            return out
            """;

    /**
     * Sliding windows: the previous window's count weighted by its overlap plus the current one's. Keys come in
     * pairs: current, previous.
     */
    static final String SLIDING = """
            local now, count, n = tonumber(ARGV[1]), tonumber(ARGV[2]), #KEYS / 2
            local stored = redis.call('MGET', unpack(KEYS))
            local limit, window, reset, prev, weighted, current, added = {}, {}, {}, {}, {}, {}, {}
            for i = 1, n do
              limit[i] = tonumber(ARGV[4 * i - 1])
              window[i] = tonumber(ARGV[4 * i])
              reset[i] = window[i] - now % window[i]
              prev[i] = tonumber(stored[2 * i]) or 0
              weighted[i] = prev[i] * (1 - (now % window[i]) / window[i])
              current[i] = tonumber(stored[2 * i - 1]) or 0
              added[i] = 0
            end
            local out = {}
            for r = 1, count do
              local ok = true
              for i = 1, n do
                if weighted[i] + current[i] + 1 > limit[i] then ok = false end
              end
              for i = 1, n do
                local used = weighted[i] + current[i]
                if used + 1 > limit[i] then
                  local retry = reset[i]
                  if prev[i] > 0 and current[i] < limit[i] then
                    retry = math.max(1, math.min(reset[i], math.ceil((used + 1 - limit[i]) / prev[i] * window[i])))
                  end
                  out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = reset[i]; out[#out + 1] = retry
                elseif ok then
                  current[i] = current[i] + 1; added[i] = added[i] + 1
                  out[#out + 1] = 1; out[#out + 1] = math.max(0, math.floor(limit[i] - used - 1))
                  out[#out + 1] = reset[i]; out[#out + 1] = 0
                else
                  out[#out + 1] = 1; out[#out + 1] = math.max(0, math.floor(limit[i] - used))
                  out[#out + 1] = reset[i]; out[#out + 1] = 0
                end
                out[#out + 1] = 0
              end
            end
            for i = 1, n do
              if added[i] > 0 and redis.call('INCRBY', KEYS[2 * i - 1], added[i]) == added[i] then
                redis.call('PEXPIRE', KEYS[2 * i - 1], window[i] * 2)
              end
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
            local count, n = tonumber(ARGV[2]), #KEYS
            local rate, cap, immediate, tokens, taken = {}, {}, {}, {}, {}
            for i = 1, n do
              rate[i] = tonumber(ARGV[4 * i - 1]) / tonumber(ARGV[4 * i])
              cap[i] = tonumber(ARGV[4 * i + 1])
              immediate[i] = tonumber(ARGV[4 * i + 2])
              local s = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
              if s[1] then
                tokens[i] = math.min(cap[i], tonumber(s[1]) + math.max(0, now - tonumber(s[2])) * rate[i])
              else
                tokens[i] = cap[i]
              end
              taken[i] = false
            end
            local out = {}
            for r = 1, count do
              local ok = true
              for i = 1, n do
                if tokens[i] < 1 then ok = false end
              end
              for i = 1, n do
                local tk = tokens[i]
                if tk < 1 then
                  out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = math.ceil((cap[i] - tk) / rate[i])
                  out[#out + 1] = math.max(1, math.ceil((1 - tk) / rate[i])); out[#out + 1] = 0
                else
                  local delay = 0
                  if ok then
                    tk = tk - 1
                    tokens[i] = tk
                    taken[i] = true
                    local queued = cap[i] - tk - immediate[i]
                    if queued > 0 then delay = math.ceil(queued / rate[i]) end
                  end
                  out[#out + 1] = 1; out[#out + 1] = math.floor(tk); out[#out + 1] = math.ceil((cap[i] - tk) / rate[i])
                  out[#out + 1] = 0; out[#out + 1] = delay
                end
              end
            end
            for i = 1, n do
              if taken[i] then
                redis.call('HSET', KEYS[i], 'tokens', tostring(tokens[i]), 'ts', now)
                redis.call('PEXPIRE', KEYS[i], math.ceil((cap[i] - tokens[i]) / rate[i]) + 1000)
              end
            end
            return out
            """;

    /** The most requests one script call decides. */
    static final int MAX_BATCH = 100;

    private final SharedStore store;
    private final RateLimitingPlugin.Algorithm algorithm;
    private final String namespace;
    private final List<RateLimitingPlugin.Limit> limits;
    private final List<String> limitArgs;
    private final String script;
    /**
     * Each event loop's requests waiting for the end of its wake-up, by key; touched only on that loop. A map, not a
     * FastThreadLocal as in {@code LoopFlush}: a limiter is rebuilt on every reload, and thread-local indexes are
     * never given back.
     */
    private final Map<EventExecutor, LoopBatch> batches = new ConcurrentHashMap<>();

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
        this.script = switch (algorithm) {
            case FIXED_WINDOW -> FIXED;
            case SLIDING_WINDOW -> SLIDING;
            case TOKEN_BUCKET -> BUCKET;
        };
    }

    private static long window(RateLimitingPlugin.Limit l) {
        return Math.max(1, l.per().toMillis());
    }

    /**
     * One decision per limit, in order; fails when Redis cannot be reached in time. On an event loop the request
     * joins the others of its key read in the same wake-up; elsewhere it is decided alone, at once.
     *
     * @param loop the request's event loop
     */
    CompletionStage<LocalLimiter.Decision[]> take(String key, Executor loop) {
        if (loop instanceof EventExecutor l && l.inEventLoop()) {
            LoopBatch batch = batches.get(l);
            // look up first: the constructor reference captures this limiter, a new object on every call
            return (batch != null ? batch : batches.computeIfAbsent(l, LoopBatch::new)).add(key);
        }
        return alone(key);
    }

    /** Decides one request by itself, at once. */
    private CompletableFuture<LocalLimiter.Decision[]> alone(String key) {
        CompletableFuture<LocalLimiter.Decision[]> decision = new CompletableFuture<>();
        decide(key, List.of(decision));
        return decision;
    }

    /** Decides {@code waiting.size()} requests of one key in one script call, in order. */
    private void decide(String key, List<CompletableFuture<LocalLimiter.Decision[]>> waiting) {
        long now = System.currentTimeMillis();
        List<String> keys = new ArrayList<>(limits.size() * 2);
        String tag = "gatehouse:rl:{" + namespace + ":" + key + "}:";
        for (RateLimitingPlugin.Limit l : limits) {
            long window = window(l);
            if (algorithm == RateLimitingPlugin.Algorithm.TOKEN_BUCKET) {
                keys.add(tag + "tb:" + window);
                continue;
            }
            long index = now / window;
            keys.add(tag + window + ":" + index);
            if (algorithm == RateLimitingPlugin.Algorithm.SLIDING_WINDOW) {
                keys.add(tag + window + ":" + (index - 1));
            }
        }
        List<String> args = new ArrayList<>(limitArgs.size() + 2);
        args.add(String.valueOf(now));
        args.add(String.valueOf(waiting.size()));
        args.addAll(limitArgs);
        CompletionStage<List<Long>> reply;
        try {
            reply = store.evalIntegers(script, keys, args);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        // every request of the batch gets an answer, whatever the reply: a failure is the store's failure for each
        reply.whenComplete((values, error) -> {
            for (int r = 0; r < waiting.size(); r++) {
                CompletableFuture<LocalLimiter.Decision[]> request = waiting.get(r);
                if (error != null) {
                    request.completeExceptionally(error);
                    continue;
                }
                try {
                    request.complete(decisions(values, r * 5 * limits.size()));
                } catch (RuntimeException e) {
                    request.completeExceptionally(e);
                }
            }
        });
    }

    private LocalLimiter.Decision[] decisions(List<Long> values, int offset) {
        LocalLimiter.Decision[] out = new LocalLimiter.Decision[limits.size()];
        for (int i = 0; i < out.length; i++) {
            long limit = algorithm == RateLimitingPlugin.Algorithm.TOKEN_BUCKET ? limits.get(i).capacity()
                    : limits.get(i).requests();
            int at = offset + 5 * i;
            out[i] = new LocalLimiter.Decision(values.get(at) == 1, limit, values.get(at + 1), values.get(at + 2),
                    values.get(at + 3), values.get(at + 4));
        }
        return out;
    }

    /**
     * One event loop's requests, by key, until the loop has read everything of its current wake-up: a task queued
     * behind that work sends one script call per key.
     */
    private final class LoopBatch implements Runnable {
        private final EventExecutor loop;
        private Map<String, List<CompletableFuture<LocalLimiter.Decision[]>>> waiting = new HashMap<>();

        LoopBatch(EventExecutor loop) {
            this.loop = loop;
        }

        CompletionStage<LocalLimiter.Decision[]> add(String key) {
            if (waiting.isEmpty()) {
                try {
                    loop.execute(this);
                } catch (RejectedExecutionException stopping) {
                    return alone(key);
                }
            }
            CompletableFuture<LocalLimiter.Decision[]> decision = new CompletableFuture<>();
            waiting.computeIfAbsent(key, k -> new ArrayList<>(2)).add(decision);
            return decision;
        }

        @Override
        public void run() {
            Map<String, List<CompletableFuture<LocalLimiter.Decision[]>>> due = waiting;
            waiting = new HashMap<>();
            due.forEach((key, requests) -> {
                // Redis runs nothing else while a script runs: a huge burst goes in several calls, in order
                for (int from = 0; from < requests.size(); from += MAX_BATCH) {
                    decide(key, requests.subList(from, Math.min(requests.size(), from + MAX_BATCH)));
                }
            });
        }
    }
}
