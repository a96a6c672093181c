package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.AttrKey;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.Stage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * {@code concurrency-limiting}: at most {@code max_in_flight} requests per key at once on this node. The next ones
 * wait in a queue of at most {@code queue} per key for up to {@code queue_timeout}, in arrival order, and get 503
 * when the queue is full or their wait runs out (with {@code queue: 0}, the default, at once). A slot is freed when
 * its exchange completes, however it ends, and goes straight to the first request still waiting.
 */
public final class ConcurrencyLimitingPlugin implements Plugin {

    public record Config(int maxInFlight, List<String> limitBy, int queue, Duration queueTimeout, int errorCode,
            String errorMessage) {
        public static final Config DEFAULTS = new Config(0, List.of("consumer", "ip"), 0, Duration.ofSeconds(1),
                503, "too many requests in flight");
    }

    /** The in-flight requests of one key and the requests waiting for a slot; changed only inside compute(). */
    static final class Slots {
        int inFlight;
        final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    }

    /** A queued request. Exactly one of grant, time-out and cancel wins its state. */
    private static final class Waiter {
        static final int WAITING = 0;
        static final int GRANTED = 1;
        static final int GONE = 2;
        final AtomicInteger state = new AtomicInteger(WAITING);
        final CompletableFuture<Outcome> turn = new CompletableFuture<>();
    }

    /** What this request holds: its key, and its place in the queue when it had to wait. */
    private record Hold(String key, @Nullable Waiter waiter) {
    }

    private static final AttrKey<Hold> HOLDS = AttrKey.of("concurrency-hold");

    private final Config config;
    private final List<List<KeySource>> keys;
    private final ConcurrentHashMap<String, Slots> slots;

    private ConcurrencyLimitingPlugin(Config config, List<List<KeySource>> keys,
            ConcurrentHashMap<String, Slots> slots) {
        this.config = config;
        this.keys = keys;
        this.slots = slots;
    }

    @Override
    public @Nullable Duration awaitTimeout() {
        return config.queue() > 0 ? config.queueTimeout().plusSeconds(5) : null;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        String key = KeySource.key(keys, exchange);
        Waiter[] queued = new Waiter[1];
        boolean[] granted = new boolean[1];
        slots.compute(key, (k, s) -> {
            Slots current = s == null ? new Slots() : s;
            if (current.inFlight < config.maxInFlight()) {
                current.inFlight++;
                granted[0] = true;
            } else if (current.waiting.size() < config.queue()) {
                queued[0] = new Waiter();
                current.waiting.add(queued[0]);
            }
            return current.inFlight == 0 && current.waiting.isEmpty() ? null : current;
        });
        if (granted[0]) {
            exchange.attribute(HOLDS, new Hold(key, null));
            return Outcome.CONTINUE;
        }
        Waiter waiter = queued[0];
        if (waiter == null) {
            return refusal();
        }
        exchange.attribute(HOLDS, new Hold(key, waiter));
        exchange.executor().schedule(() -> {
            if (waiter.state.compareAndSet(Waiter.WAITING, Waiter.GONE)) {
                dequeue(key, waiter);
                waiter.turn.complete(refusal());
            }
        }, config.queueTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return new Outcome.Await(waiter.turn);
    }

    private Outcome refusal() {
        return Outcome.error(config.errorCode(), "concurrency_limited", config.errorMessage());
    }

    @Override
    public void onComplete(PluginExchange exchange, int status) {
        Hold hold = exchange.attribute(HOLDS);
        if (hold == null) {
            return;
        }
        Waiter waiter = hold.waiter();
        if (waiter == null || waiter.state.get() == Waiter.GRANTED) {
            release(hold.key());
        } else if (waiter.state.compareAndSet(Waiter.WAITING, Waiter.GONE)) {
            // the client left while it waited
            dequeue(hold.key(), waiter);
        }
    }

    private void dequeue(String key, Waiter waiter) {
        slots.computeIfPresent(key, (k, s) -> {
            s.waiting.remove(waiter);
            return s.inFlight == 0 && s.waiting.isEmpty() ? null : s;
        });
    }

    /** Frees a slot: handed to the first request still waiting, or returned; an idle key is removed. */
    private void release(String key) {
        Waiter[] next = new Waiter[1];
        slots.computeIfPresent(key, (k, s) -> {
            Waiter w;
            while ((w = s.waiting.poll()) != null) {
                if (w.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED)) {
                    next[0] = w;
                    return s;
                }
            }
            s.inFlight--;
            return s.inFlight <= 0 && s.waiting.isEmpty() ? null : s;
        });
        if (next[0] != null) {
            next[0].turn.complete(Outcome.CONTINUE);
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("concurrency-limiting", Config.class, Stage.RATE_LIMIT, 900);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            if (config.maxInFlight() <= 0) {
                throw new IllegalArgumentException("max_in_flight: " + config.maxInFlight() + " (expected: > 0)");
            }
            if (config.queue() < 0 || config.queueTimeout().isNegative() || config.queueTimeout().isZero()) {
                throw new IllegalArgumentException("queue: " + config.queue() + ", queue_timeout: "
                        + config.queueTimeout() + " (expected: queue >= 0, queue_timeout > 0)");
            }
            // requests in flight when the configuration changes still hold their slots in the next one
            @SuppressWarnings("unchecked")
            ConcurrentHashMap<String, Slots> slots = environment.retained(String.valueOf(config.limitBy()),
                    ConcurrentHashMap.class, ConcurrentHashMap::new);
            return new ConcurrencyLimitingPlugin(config, KeySource.parseAll(config.limitBy()), slots);
        }
    }
}
