package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.AttrKey;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.Stage;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code concurrency-limiting}: at most {@code max_in_flight} requests per key at once on this node; the next one
 * gets 503 at once (no queue). A slot is freed when its exchange completes, however it ends.
 */
public final class ConcurrencyLimitingPlugin implements Plugin {

    public record Config(int maxInFlight, List<String> limitBy, int errorCode, String errorMessage) {
        public static final Config DEFAULTS = new Config(0, List.of("consumer", "ip"), 503,
                "too many requests in flight");
    }

    /** The key whose slot this request holds. */
    private static final AttrKey<String> HOLDS = AttrKey.of("concurrency-key");

    private final Config config;
    private final List<List<KeySource>> keys;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    private ConcurrencyLimitingPlugin(Config config, List<List<KeySource>> keys) {
        this.config = config;
        this.keys = keys;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        String key = KeySource.key(keys, exchange);
        // compute() is atomic per key, so a counter is never dropped while another request takes it
        AtomicInteger counter = inFlight.compute(key, (k, c) -> {
            AtomicInteger n = c == null ? new AtomicInteger() : c;
            n.incrementAndGet();
            return n;
        });
        if (counter.get() > config.maxInFlight()) {
            release(key);
            return Outcome.error(config.errorCode(), "concurrency_limited", config.errorMessage());
        }
        exchange.attribute(HOLDS, key);
        return Outcome.CONTINUE;
    }

    @Override
    public void onComplete(PluginExchange exchange, int status) {
        String key = exchange.attribute(HOLDS);
        if (key != null) {
            release(key);
        }
    }

    /** Frees a slot; an idle key's counter is removed so the table holds only keys with requests in flight. */
    private void release(String key) {
        inFlight.computeIfPresent(key, (k, c) -> c.decrementAndGet() == 0 ? null : c);
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("concurrency-limiting", Config.class, Stage.RATE_LIMIT, 900);
        }

        @Override
        public Plugin create(Config config) {
            if (config.maxInFlight() <= 0) {
                throw new IllegalArgumentException("max_in_flight: " + config.maxInFlight() + " (expected: > 0)");
            }
            return new ConcurrencyLimitingPlugin(config, KeySource.parseAll(config.limitBy()));
        }
    }
}
