package dev.gatehouse.cluster;

import dev.gatehouse.config.model.RedisSpec;
import dev.gatehouse.plugin.api.SharedStore;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared Redis, through one Lettuce connection (thread-safe, pipelined, reconnecting by itself): a standalone
 * server, a Sentinel-monitored master ({@code redis-sentinel://}, followed across fail-overs) or a Cluster (from seed
 * nodes, the topology refreshed on redirects and every 30 s). Connecting happens in the background; until it
 * succeeds, calls fail fast, which plugins treat as the store being down.
 */
public final class RedisStore implements SharedStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);

    /** A connection and the commands it offers: the scripting commands are all the store needs. */
    private record Link(StatefulConnection<String, String> connection,
            RedisScriptingAsyncCommands<String, String> commands) {
    }

    private final AbstractRedisClient client;
    private final String description;
    private final Supplier<CompletableFuture<Link>> connector;
    private final ConcurrentHashMap<String, String> shas = new ConcurrentHashMap<>();
    private volatile @Nullable Link link;
    private volatile @Nullable CompletableFuture<Link> connecting;
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FAILURE_LOG_INTERVAL_MS = 10_000;
    // guarded by this (connect) and by the single completion of each attempt
    private long lastAttemptNanos;
    private volatile long failedAttempts;
    private volatile long lastFailureLog;
    private final java.util.concurrent.atomic.LongAdder failures = new java.util.concurrent.atomic.LongAdder();

    public RedisStore(RedisSpec spec) {
        Duration timeout = spec.timeout();
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).build();
        if (spec.clusterNodes().isEmpty()) {
            RedisURI uri = uri(spec.url(), timeout);
            RedisClient standalone = RedisClient.create();
            standalone.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            this.client = standalone;
            this.description = spec.url();
            this.connector = () -> standalone.connectAsync(StringCodec.UTF8, uri).toCompletableFuture()
                    .thenApply(c -> new Link(c, c.async()));
        } else {
            RedisClusterClient cluster = RedisClusterClient.create(spec.clusterNodes().stream()
                    .map(u -> uri(u, timeout)).toList());
            cluster.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    // node connections open lazily, on the first command for their slots: commands wait for them
                    // (bounded by the command timeout) rather than being rejected
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
            this.client = cluster;
            this.description = "cluster " + spec.clusterNodes();
            // the topology is loaded first: an asynchronous connect does not load it by itself
            this.connector = () -> cluster.refreshPartitionsAsync().toCompletableFuture()
                    .thenCompose(loaded -> cluster.connectAsync(StringCodec.UTF8))
                    .thenApply(c -> new Link(c, c.async()));
        }
        // wait (off the event loops, at start-up) up to the timeout, so that the first requests are counted
        // rather than let through as if Redis were down; a Redis that is not there yet is retried later
        try {
            connect().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception notYet) {
            // logged by connect(); the store reports itself down until a connection succeeds
        }
    }

    private static RedisURI uri(String url, Duration timeout) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(timeout);
        return uri;
    }

    /**
     * Starts a connection attempt unless one is running or the last one ended less than a second ago (so that a
     * Redis that is down costs one attempt per second, not one per request). The first failure of a streak is
     * logged, then one line every {@value #FAILURE_LOG_INTERVAL_MS} ms.
     */
    private synchronized CompletableFuture<Link> connect() {
        CompletableFuture<Link> running = connecting;
        long now = System.nanoTime();
        if (running != null && (!running.isDone() || now - lastAttemptNanos < RETRY_NANOS)) {
            return running;
        }
        lastAttemptNanos = now;
        CompletableFuture<Link> next = connector.get().whenComplete((l, error) -> {
            if (error == null) {
                link = l;
                failedAttempts = 0;
                LOG.info("redis {} connected", description);
                return;
            }
            long failures = ++failedAttempts;
            long at = System.currentTimeMillis();
            if (failures == 1 || at - lastFailureLog >= FAILURE_LOG_INTERVAL_MS) {
                lastFailureLog = at;
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                LOG.warn("redis {}: cannot connect ({} attempts): {}", description, failures, cause.toString());
            }
        });
        connecting = next;
        return next;
    }

    @Override
    public CompletionStage<List<Long>> evalIntegers(String script, List<String> keys, List<String> args) {
        Link l = link;
        if (l == null) {
            // not connected yet (or never was): try again in the background, answer "down" now
            connect();
            failures.increment();
            return CompletableFuture.failedFuture(new IllegalStateException("redis is not connected"));
        }
        RedisScriptingAsyncCommands<String, String> c = l.commands();
        String sha = shas.computeIfAbsent(script, RedisStore::sha1);
        String[] k = keys.toArray(String[]::new);
        String[] a = args.toArray(String[]::new);
        CompletableFuture<List<Long>> first = c.<List<Long>>evalsha(sha, ScriptOutputType.MULTI, k, a)
                .toCompletableFuture();
        return first.handle((result, error) -> {
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause instanceof RedisNoScriptException) {
                // the script is not loaded on this server (first call, after a restart, a fail-over or on another
                // cluster node): send it once
                return c.<List<Long>>eval(script, ScriptOutputType.MULTI, k, a).toCompletableFuture();
            }
            return error == null ? CompletableFuture.completedFuture(result)
                    : CompletableFuture.<List<Long>>failedFuture(cause);
        }).thenCompose(f -> f).whenComplete((result, error) -> {
            if (error != null) {
                failures.increment();
            }
        });
    }

    /** Calls that failed (not connected, timed out, refused) since start-up. */
    public long failures() {
        return failures.sum();
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
        Link l = link;
        if (l != null) {
            l.connection().close();
        }
        client.shutdown();
    }
}
