package dev.gatehouse.plugin.runtime;

import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.EventExecutor;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins of one route, in their fixed order: by stage, then by priority (higher first), then by name.
 * Resolved when the snapshot is compiled, immutable, shared by every request of the route.
 */
public final class PluginChain {

    private static final Logger LOG = LoggerFactory.getLogger(PluginChain.class);

    /** One plugin in the chain, with what orders it. */
    public record Entry(String name, Stage stage, int priority, Plugin plugin, long awaitTimeoutMillis,
            boolean failOpen) {

        boolean overrides(String method, Class<?>... types) {
            try {
                return plugin.getClass().getMethod(method, types).getDeclaringClass() != Plugin.class;
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
    }

    private static final Comparator<Entry> ORDER = Comparator.comparing(Entry::stage)
            .thenComparing(Comparator.comparingInt(Entry::priority).reversed())
            .thenComparing(Entry::name);

    // after ORDER, which the constructor uses
    public static final PluginChain EMPTY = new PluginChain(List.of());

    private final Entry[] entries;
    private final Entry[] requestBody;
    private final Entry[] responseBody;
    private final boolean watchesRequestBodies;
    /** Chains for consumers with plugins of their own, by username: used once authentication found one. */
    private final Map<String, PluginChain> byConsumer;

    public PluginChain(List<Entry> entries) {
        this(entries, Map.of());
    }

    /**
     * @param byConsumer the chain to follow after authentication for consumers that have plugin entries of their
     *     own (their entries override the route's, service's and global ones of the same name)
     */
    public PluginChain(List<Entry> entries, Map<String, PluginChain> byConsumer) {
        this.entries = entries.stream().sorted(ORDER).toArray(Entry[]::new);
        this.byConsumer = Map.copyOf(byConsumer);
        // body phases cost a call per chunk: only plugins that override them take part
        this.requestBody = Arrays.stream(this.entries)
                .filter(e -> e.overrides("onRequestBody", PluginExchange.class, ByteBuf.class, boolean.class))
                .toArray(Entry[]::new);
        this.responseBody = Arrays.stream(this.entries)
                .filter(e -> e.overrides("onResponseBody", PluginExchange.class, ByteBuf.class, boolean.class))
                .toArray(Entry[]::new);
        this.watchesRequestBodies = requestBody.length > 0
                || this.byConsumer.values().stream().anyMatch(PluginChain::watchesRequestBodies);
    }

    /** True when a plugin of this chain (or of a consumer's) watches request bodies. */
    public boolean watchesRequestBodies() {
        return watchesRequestBodies;
    }

    /**
     * Runs the request-body phase for one chunk.
     *
     * @return {@link Outcome#CONTINUE}, or the {@link Outcome.Respond} of the plugin that stopped the request
     */
    public Outcome runRequestBody(PluginExchange exchange, ByteBuf chunk, boolean last) {
        PluginChain own = forConsumer(exchange);
        for (Entry e : own.requestBody) {
            Outcome outcome;
            try {
                outcome = e.plugin().onRequestBody(exchange, chunk, last);
            } catch (RuntimeException ex) {
                LOG.error("plugin '{}' failed on the body of {}", e.name(), exchange.requestId(), ex);
                return Outcome.error(500, "plugin_error", "plugin '" + e.name() + "' failed");
            }
            if (outcome instanceof Outcome.Respond) {
                return outcome;
            }
            if (outcome != Outcome.CONTINUE) {
                if (outcome instanceof Outcome.Send send) {
                    send.response().release();
                }
                return Outcome.error(500, "plugin_error", "plugin '" + e.name() + "' cannot wait on a body chunk");
            }
        }
        return Outcome.CONTINUE;
    }

    public boolean isEmpty() {
        return entries.length == 0 && byConsumer.isEmpty();
    }

    /** This chain, or the chain of the request's authenticated consumer when it has one. */
    private PluginChain forConsumer(PluginExchange exchange) {
        if (byConsumer.isEmpty()) {
            return this;
        }
        Consumer consumer = exchange.attribute(Consumer.ATTRIBUTE);
        PluginChain chain = consumer == null ? null : byConsumer.get(consumer.username());
        return chain == null ? this : chain;
    }

    /** True when entry {@code i} is the first past authentication (or the end right after it). */
    private boolean leavesAuthentication(int i) {
        boolean before = i == 0 || entries[i - 1].stage().compareTo(Stage.AUTHN) <= 0;
        boolean after = i == entries.length || entries[i].stage().compareTo(Stage.AUTHN) > 0;
        return before && after;
    }

    private int firstAfterAuthentication() {
        int i = 0;
        while (i < entries.length && entries[i].stage().compareTo(Stage.AUTHN) <= 0) {
            i++;
        }
        return i;
    }

    /** The plugin names in the order they run on a request. */
    public List<String> names() {
        return java.util.Arrays.stream(entries).map(Entry::name).toList();
    }

    /** The plugins in the order they run on a request, each as {@code name (STAGE)}. */
    public List<String> describe() {
        return java.util.Arrays.stream(entries).map(e -> e.name() + " (" + e.stage() + ")").toList();
    }

    /**
     * Runs the request phase. {@code done} receives {@link Outcome#CONTINUE}, a {@link Outcome.Respond} or a
     * {@link Outcome.Send}, on
     * {@code loop}: at once when no plugin waits, later otherwise. A plugin that throws answers 500.
     */
    public void runRequest(PluginExchange exchange, EventExecutor loop, java.util.function.Consumer<Outcome> done) {
        runFrom(0, exchange, loop, done);
    }

    private void runFrom(int start, PluginExchange exchange, EventExecutor loop,
            java.util.function.Consumer<Outcome> done) {
        for (int i = start; i <= entries.length; i++) {
            if (!byConsumer.isEmpty() && leavesAuthentication(i)) {
                PluginChain own = forConsumer(exchange);
                if (own != this) {
                    own.runFrom(own.firstAfterAuthentication(), exchange, loop, done);
                    return;
                }
            }
            if (i == entries.length) {
                break;
            }
            Outcome outcome;
            try {
                outcome = settle(entries[i].plugin().onRequestHeaders(exchange));
            } catch (RuntimeException e) {
                LOG.error("plugin '{}' failed on request {}", entries[i].name(), exchange.requestId(), e);
                done.accept(Outcome.error(500, "plugin_error", "plugin '" + entries[i].name() + "' failed"));
                return;
            }
            if (outcome instanceof Outcome.Await await) {
                resumeLater(i, await, exchange, loop, done);
                return;
            }
            if (outcome instanceof Outcome.Respond || outcome instanceof Outcome.Send) {
                done.accept(outcome);
                return;
            }
        }
        done.accept(Outcome.CONTINUE);
    }

    /** Runs {@link Outcome.OnLoop} steps (we are on the loop) until a plain outcome remains. */
    private static Outcome settle(Outcome outcome) {
        Outcome current = outcome;
        while (current instanceof Outcome.OnLoop onLoop) {
            current = onLoop.next().get();
        }
        return current;
    }

    private void resumeLater(int index, Outcome.Await await, PluginExchange exchange, EventExecutor loop,
            java.util.function.Consumer<Outcome> done) {
        Entry entry = entries[index];
        String name = entry.name();
        boolean[] settled = new boolean[1];
        var timeout = loop.schedule(() -> {
            if (!settled[0]) {
                settled[0] = true;
                LOG.warn("plugin '{}' did not answer request {} within {} ms", name, exchange.requestId(),
                        entry.awaitTimeoutMillis());
                if (entry.failOpen()) {
                    runFrom(index + 1, exchange, loop, done);
                } else {
                    done.accept(Outcome.error(503, "plugin_timeout", "plugin '" + name + "' did not answer in time"));
                }
            }
        }, entry.awaitTimeoutMillis(), TimeUnit.MILLISECONDS);
        await.result().whenComplete((result, error) -> loop.execute(() -> {
            if (settled[0]) {
                return;
            }
            settled[0] = true;
            timeout.cancel(false);
            Outcome outcome = null;
            Throwable failure = error;
            if (failure == null && result != null) {
                try {
                    outcome = settle(result);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (outcome instanceof Outcome.Await again) {
                resumeLater(index, again, exchange, loop, done);
            } else if (failure != null || outcome == null) {
                LOG.warn("plugin '{}' failed on request {}: {}", name, exchange.requestId(),
                        failure == null ? "no outcome" : failure.toString());
                if (entry.failOpen()) {
                    runFrom(index + 1, exchange, loop, done);
                } else {
                    done.accept(Outcome.error(503, "plugin_unavailable", "plugin '" + name + "' could not decide"));
                }
            } else if (outcome instanceof Outcome.Respond || outcome instanceof Outcome.Send) {
                done.accept(outcome);
            } else {
                runFrom(index + 1, exchange, loop, done);
            }
        }));
    }

    /**
     * Runs the response-headers phase, in reverse order, and lays out the body's way to the client: the
     * transformers plugins install and the plugins that watch the body, in that same order.
     */
    public void runResponseHeaders(PluginExchange exchange, HttpResponse response,
            ResponseBodyPipeline.Owner body) {
        PluginChain own = forConsumer(exchange);
        if (own != this) {
            own.runResponseHeaders(exchange, response, body);
            return;
        }
        for (int i = entries.length - 1; i >= 0; i--) {
            Entry e = entries[i];
            try {
                e.plugin().onResponseHeaders(exchange, response);
            } catch (RuntimeException ex) {
                LOG.error("plugin '{}' failed on the response of {}", e.name(), exchange.requestId(), ex);
            }
            if (watchesResponseBody(e)) {
                body.responseBodyPipeline().watch(e);
            }
        }
    }

    private boolean watchesResponseBody(Entry e) {
        for (Entry w : responseBody) {
            if (w == e) {
                return true;
            }
        }
        return false;
    }

    /** Runs the log phase; failures are logged and ignored. */
    public void runComplete(PluginExchange exchange, int status) {
        PluginChain own = forConsumer(exchange);
        if (own != this) {
            own.runComplete(exchange, status);
            return;
        }
        for (int i = entries.length - 1; i >= 0; i--) {
            try {
                entries[i].plugin().onComplete(exchange, status);
            } catch (RuntimeException e) {
                LOG.error("plugin '{}' failed in the log phase of {}", entries[i].name(), exchange.requestId(), e);
            }
        }
    }
}
