package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.SharedStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Policy {@code redis} with {@code sync_interval}: windows counted on this node and reconciled with Redis every
 * interval (Kong's {@code sync_rate}), so a request costs no Redis call. Each node sees the shared count as of its
 * last sync plus its own requests since; what other nodes admitted after that sync is not seen yet, which is the
 * over-admission this mode trades for fewer calls: at most what the other nodes admit in one interval plus one round
 * trip. A key new to this node is synced at once rather than at the next tick.
 *
 * <p>Kept across reloads (closed when its configuration goes away, after a last flush). The sync runs on one shared
 * timer thread that only issues asynchronous Redis calls.
 */
final class SyncedLimiter implements AutoCloseable {

    /** Adds this node's delta to a window's counter and returns the total; the counter expires with its window. */
    static final String SYNC = """
            local total = redis.call('INCRBY', KEYS[1], ARGV[1])
            if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return {total}
            """;

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-rate-limit-sync");
        t.setDaemon(true);
        return t;
    });

    /** One window's counter of one key. Guarded by its {@link KeyState}'s lock. */
    private static final class Counter {
        final String redisKey;
        final long windowMillis;
        /** The total in Redis at the last sync: every node's requests. */
        long shared;
        /** This node's admissions in the window. */
        long local;
        /** The part of {@code local} already included in {@code shared}. */
        long acked;
        boolean syncing;

        Counter(String redisKey, long windowMillis) {
            this.redisKey = redisKey;
            this.windowMillis = windowMillis;
        }

        long total() {
            return shared + local - acked;
        }
    }

    /** Every limit's current (and, sliding, previous) window of one client key. */
    private static final class KeyState {
        final long[] index;
        final Counter[] current;
        final @Nullable Counter[] previous;
        /** Counters of ended windows with requests not yet sent. */
        final List<Counter> retiring = new ArrayList<>();
        long lastUse;

        KeyState(int limits) {
            index = new long[limits];
            current = new Counter[limits];
            previous = new Counter[limits];
        }
    }

    private final SharedStore store;
    private final boolean sliding;
    private final String namespace;
    private final long[] windowMillis;
    private final long intervalMillis;
    private volatile long[] requests;
    private final Map<String, KeyState> keys = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> ticks;

    SyncedLimiter(SharedStore store, boolean sliding, String namespace, List<RateLimitingPlugin.Limit> limits,
            Duration interval) {
        this.store = store;
        this.sliding = sliding;
        this.namespace = namespace;
        this.windowMillis = limits.stream().mapToLong(l -> Math.max(1, l.per().toMillis())).toArray();
        this.requests = limits.stream().mapToLong(RateLimitingPlugin.Limit::requests).toArray();
        this.intervalMillis = Math.max(1, interval.toMillis());
        this.ticks = TIMER.scheduleWithFixedDelay(this::syncAll, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** The request numbers of a new configuration with the same windows. */
    void limits(List<RateLimitingPlugin.Limit> limits) {
        this.requests = limits.stream().mapToLong(RateLimitingPlugin.Limit::requests).toArray();
    }

    LocalLimiter.Decision[] take(String key, long now) {
        long[] limit = requests;
        int n = windowMillis.length;
        boolean[] created = new boolean[1];
        KeyState s = keys.computeIfAbsent(key, k -> {
            created[0] = true;
            return new KeyState(n);
        });
        LocalLimiter.Decision[] out = new LocalLimiter.Decision[n];
        synchronized (s) {
            s.lastUse = now;
            double[] used = new double[n];
            boolean allowed = true;
            for (int i = 0; i < n; i++) {
                roll(s, key, i, now);
                used[i] = estimate(s, i, now);
                allowed &= used[i] + 1 <= limit[i];
            }
            for (int i = 0; i < n; i++) {
                long reset = (s.index[i] + 1) * windowMillis[i] - now;
                if (used[i] + 1 > limit[i]) {
                    Counter p = s.previous[i];
                    long retry = LocalLimiter.slidingRetry(used[i], p == null ? 0 : p.total(),
                            s.current[i].total(), limit[i], windowMillis[i], reset);
                    out[i] = new LocalLimiter.Decision(false, limit[i], 0, reset, retry, 0);
                } else {
                    if (allowed) {
                        s.current[i].local++;
                    }
                    long remaining = (long) Math.floor(limit[i] - used[i] - (allowed ? 1 : 0));
                    out[i] = new LocalLimiter.Decision(true, limit[i], Math.max(0, remaining), reset, 0, 0);
                }
            }
        }
        if (created[0]) {
            TIMER.execute(() -> sync(s));
        }
        return out;
    }

    /** Moves limit {@code i} of {@code s} to the window of {@code now}. Under the state's lock. */
    private void roll(KeyState s, String key, int i, long now) {
        long index = now / windowMillis[i];
        Counter current = s.current[i];
        if (current != null && s.index[i] == index) {
            return;
        }
        if (current != null && current.local > current.acked) {
            s.retiring.add(current);
        }
        s.previous[i] = sliding && current != null && index == s.index[i] + 1 ? current : null;
        s.index[i] = index;
        s.current[i] = new Counter("gatehouse:rl:{" + namespace + ":" + key + "}:" + windowMillis[i] + ":" + index,
                windowMillis[i]);
    }

    private double estimate(KeyState s, int i, long now) {
        double used = s.current[i].total();
        Counter p = s.previous[i];
        if (p != null) {
            double elapsed = now - s.index[i] * windowMillis[i];
            used += p.total() * (1.0 - elapsed / windowMillis[i]);
        }
        return used;
    }

    private void syncAll() {
        long now = System.currentTimeMillis();
        long idle = 2 * intervalMillis;
        for (long w : windowMillis) {
            idle = Math.max(idle, 2 * w);
        }
        for (Map.Entry<String, KeyState> e : keys.entrySet()) {
            KeyState s = e.getValue();
            boolean pending;
            boolean recent;
            synchronized (s) {
                pending = !s.retiring.isEmpty() || unsent(s) > 0;
                recent = now - s.lastUse <= 2 * intervalMillis;
                if (!pending && now - s.lastUse > idle) {
                    keys.remove(e.getKey(), s);
                    continue;
                }
            }
            // keys in use learn the others' counts; idle ones only send what they still owe
            if (pending || recent) {
                sync(s);
            }
        }
    }

    /** This node's requests not yet sent to Redis. Under the state's lock. */
    private static long unsent(KeyState s) {
        long unsent = 0;
        for (Counter c : s.current) {
            if (c != null) {
                unsent += c.local - c.acked;
            }
        }
        return unsent;
    }

    /** Sends every counter's unsent requests and learns the shared totals. */
    private void sync(KeyState s) {
        List<Counter> due = new ArrayList<>();
        synchronized (s) {
            due.addAll(s.retiring);
            s.retiring.clear();
            for (int i = 0; i < s.current.length; i++) {
                if (s.current[i] != null) {
                    due.add(s.current[i]);
                }
                if (s.previous[i] != null) {
                    due.add(s.previous[i]);
                }
            }
        }
        for (Counter c : due) {
            long delta;
            synchronized (s) {
                if (c.syncing) {
                    continue;
                }
                c.syncing = true;
                delta = c.local - c.acked;
            }
            store.evalIntegers(SYNC, List.of(c.redisKey), List.of(String.valueOf(delta),
                    String.valueOf(2 * c.windowMillis))).whenComplete((totals, error) -> {
                        synchronized (s) {
                            c.syncing = false;
                            if (error == null) {
                                c.shared = totals.get(0);
                                c.acked += delta;
                                return;
                            }
                            if (c.local > c.acked && !live(s, c)) {
                                // an ended window whose requests could not be sent: try again next tick
                                s.retiring.add(c);
                            }
                        }
                        RedisFailures.record(error, "rate-limiting (sync_interval): counting on this node alone");
                    });
        }
    }

    /** Whether {@code c} is still one of the state's current or previous windows. Under the state's lock. */
    private static boolean live(KeyState s, Counter c) {
        for (int i = 0; i < s.current.length; i++) {
            if (s.current[i] == c || s.previous[i] == c) {
                return true;
            }
        }
        return s.retiring.contains(c);
    }

    /** Stops the timer after one last flush of what this node counted. */
    @Override
    public void close() {
        ticks.cancel(false);
        TIMER.execute(() -> keys.values().forEach(this::sync));
    }
}
