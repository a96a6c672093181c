package dev.gatehouse.cluster;

import dev.gatehouse.config.model.RedisSpec;
import dev.gatehouse.plugin.api.SharedStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared Redis, through one Lettuce connection (thread-safe, pipelined, reconnecting by itself). Connecting
 * happens in the background; until it succeeds, calls fail fast, which plugins treat as the store being down.
 */
public final class RedisStore implements SharedStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final ConcurrentHashMap<String, String> shas = new ConcurrentHashMap<>();
    private volatile @Nullable StatefulRedisConnection<String, String> connection;
    private volatile @Nullable CompletableFuture<StatefulRedisConnection<String, String>> connecting;

    public RedisStore(RedisSpec spec) {
        this.uri = RedisURI.create(spec.url());
        uri.setTimeout(spec.timeout());
        this.client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .timeoutOptions(TimeoutOptions.enabled(spec.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(spec.timeout()).build())
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        // wait (off the event loops, at start-up) up to the timeout, so that the first requests are counted
        // rather than let through as if Redis were down; a Redis that is not there yet is retried later
        try {
            connect().get(spec.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception notYet) {
            // logged by connect(); the store reports itself down until a connection succeeds
        }
    }

    private synchronized CompletableFuture<StatefulRedisConnection<String, String>> connect() {
        CompletableFuture<StatefulRedisConnection<String, String>> running = connecting;
        if (running != null && !running.isDone()) {
            return running;
        }
        CompletableFuture<StatefulRedisConnection<String, String>> next = client.connectAsync(StringCodec.UTF8, uri)
                .toCompletableFuture()
                .whenComplete((c, error) -> {
                    if (error != null) {
                        LOG.warn("redis {}: cannot connect: {}", uri.getHost(), error.toString());
                    } else {
                        connection = c;
                        LOG.info("redis {}:{} connected", uri.getHost(), uri.getPort());
                    }
                });
        connecting = next;
        return next;
    }

    @Override
    public CompletionStage<List<Long>> evalIntegers(String script, List<String> keys, List<String> args) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            // not connected yet (or never was): try again in the background, answer "down" now
            connect();
            return CompletableFuture.failedFuture(new IllegalStateException("redis is not connected"));
        }
        String sha = shas.computeIfAbsent(script, RedisStore::sha1);
        String[] k = keys.toArray(String[]::new);
        String[] a = args.toArray(String[]::new);
        CompletableFuture<List<Long>> first = c.async().<List<Long>>evalsha(sha, ScriptOutputType.MULTI, k, a)
                .toCompletableFuture();
        return first.handle((result, error) -> {
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause instanceof RedisNoScriptException) {
                // the script is not loaded on this server (first call, or after a restart): send it once
                return c.async().<List<Long>>eval(script, ScriptOutputType.MULTI, k, a).toCompletableFuture();
            }
            return error == null ? CompletableFuture.completedFuture(result)
                    : CompletableFuture.<List<Long>>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown();
    }
}
