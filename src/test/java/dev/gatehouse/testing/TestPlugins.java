package dev.gatehouse.testing;

import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.PluginFactory;
import dev.gatehouse.plugin.api.Stage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Plugins that only tests use, found by ServiceLoader through the test class path like any third-party plugin. */
public final class TestPlugins {

    private TestPlugins() {
    }

    /** {@code test-trace}: appends its label to the {@code x-trace} request header, to show the order of plugins. */
    public static final class Trace implements PluginFactory<Trace.Config> {
        public record Config(String label) {
        }

        @Override
        public String name() {
            return "test-trace";
        }

        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public Stage stage() {
            return Stage.AUTHZ;
        }

        @Override
        public int priority() {
            return 10;
        }

        @Override
        public Plugin create(Config config) {
            return new Plugin() {
                @Override
                public Outcome onRequestHeaders(PluginExchange exchange) {
                    exchange.requestHeaders().add("x-trace", config.label());
                    return Outcome.CONTINUE;
                }
            };
        }
    }

    /**
     * {@code test-async}: decides on another thread after {@code delay_ms}, as a plugin calling a remote service
     * would; {@code deny} answers 401.
     */
    public static class Async implements PluginFactory<Async.Config> {
        /** @param fail complete exceptionally; @param hang never complete */
        public record Config(long delayMs, boolean deny, boolean fail, boolean hang) {
            public static final Config DEFAULTS = new Config(50, false, false, false);
        }

        @Override
        public java.time.Duration awaitTimeout() {
            return java.time.Duration.ofMillis(300);
        }

        @Override
        public String name() {
            return "test-async";
        }

        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public Stage stage() {
            return Stage.AUTHN;
        }

        @Override
        public int priority() {
            return 1000;
        }

        @Override
        public Plugin create(Config config) {
            return new Plugin() {
                @Override
                public Outcome onRequestHeaders(PluginExchange exchange) {
                    exchange.requestHeaders().add("x-trace", "async");
                    CompletableFuture<Outcome> later = new CompletableFuture<>();
                    if (config.hang()) {
                        return new Outcome.Await(later);
                    }
                    CompletableFuture.delayedExecutor(config.delayMs(), TimeUnit.MILLISECONDS).execute(() -> {
                        if (config.fail()) {
                            later.completeExceptionally(new IllegalStateException("remote service down"));
                        } else {
                            later.complete(config.deny() ? Outcome.error(401, "unauthorized", "denied by test-async")
                                    : Outcome.CONTINUE);
                        }
                    });
                    return new Outcome.Await(later);
                }
            };
        }
    }

    /** {@code test-async-open}: {@code test-async} declared fail-open. */
    public static final class AsyncOpen extends Async {
        @Override
        public String name() {
            return "test-async-open";
        }

        @Override
        public boolean failOpen() {
            return true;
        }
    }

    /**
     * {@code test-body}: refuses a request whose body contains "forbidden" (422) and counts response body bytes in
     * {@link #RESPONSE_BYTES}, to exercise the body phases.
     */
    public static final class BodyGuard extends dev.gatehouse.plugin.api.BasePluginFactory<BodyGuard.Config> {
        public static final java.util.concurrent.atomic.AtomicLong RESPONSE_BYTES =
                new java.util.concurrent.atomic.AtomicLong();

        public record Config(String word) {
            public static final Config DEFAULTS = new Config("forbidden");
        }

        public BodyGuard() {
            super("test-body", Config.class, Stage.TRANSFORM, 5);
        }

        @Override
        public Plugin create(Config config) {
            return new Plugin() {
                @Override
                public Outcome onRequestBody(PluginExchange exchange, io.netty.buffer.ByteBuf chunk, boolean last) {
                    return chunk.toString(java.nio.charset.StandardCharsets.UTF_8).contains(config.word())
                            ? Outcome.error(422, "forbidden_word", "the body contains '" + config.word() + "'")
                            : Outcome.CONTINUE;
                }

                @Override
                public void onResponseBody(PluginExchange exchange, io.netty.buffer.ByteBuf chunk, boolean last) {
                    RESPONSE_BYTES.addAndGet(chunk.readableBytes());
                }
            };
        }
    }
}
