package dev.gatehouse.cluster;

import dev.gatehouse.config.model.RedisSpec;
import dev.gatehouse.plugin.api.SharedStore;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EpollProvider;
import io.netty.channel.EventLoopGroup;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
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

    /** A connection and its commands: keys are text, values bytes (a cached body is not text). */
    private record Link(StatefulConnection<String, byte[]> connection,
            RedisClusterAsyncCommands<String, byte[]> commands) {
    }

    private static final RedisCodec<String, byte[]> CODEC = TextKeysByteValues.INSTANCE;

    private final AbstractRedisClient client;
    private final ClientResources resources;
    private final String description;
    private final Supplier<CompletableFuture<Link>> connector;
    private final ConcurrentHashMap<String, String> shas = new ConcurrentHashMap<>();
    private final LoopFlush flush;
    private volatile @Nullable Link link;
    private volatile @Nullable CompletableFuture<Link> connecting;
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FAILURE_LOG_INTERVAL_MS = 10_000;
    // guarded by this (connect) and by the single completion of each attempt
    private long lastAttemptNanos;
    private volatile long failedAttempts;
    private volatile long lastFailureLog;
    private final java.util.concurrent.atomic.LongAdder failures = new java.util.concurrent.atomic.LongAdder();

    /** A store with Lettuce's own I/O threads (the CLI's offline checks). */
    public RedisStore(RedisSpec spec) {
        this(spec, null);
    }

    /**
     * @param epollLoops the gateway's event loops when they run native epoll, for Lettuce's connections (see
     *     {@link SharedEventLoops}); null for Lettuce's own threads
     */
    public RedisStore(RedisSpec spec, @Nullable EventLoopGroup epollLoops) {
        Duration timeout = spec.timeout();
        // Lettuce picks epoll by itself when it is available: then, and only then, the gateway's loops fit it
        boolean sharedLoops = epollLoops != null && EpollProvider.isAvailable();
        this.resources = sharedLoops
                ? DefaultClientResources.builder().eventLoopGroupProvider(new SharedEventLoops(epollLoops)).build()
                : DefaultClientResources.create();
        // a standalone (or Sentinel-found) server's connection is flushed once per loop iteration; a cluster's node
        // connections open lazily and would hold commands queued while they open, so they flush per command
        this.flush = new LoopFlush(sharedLoops && spec.clusterNodes().isEmpty() ? epollLoops : null, () -> {
            Link l = link;
            return l == null ? null : l.connection();
        });
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).build();
        if (spec.clusterNodes().isEmpty()) {
            RedisURI uri = uri(spec.url(), timeout);
            RedisClient standalone = RedisClient.create(resources);
            standalone.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .socketOptions(socket)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            this.client = standalone;
            this.description = spec.url();
            this.connector = () -> standalone.connectAsync(CODEC, uri).toCompletableFuture()
                    .thenApply(c -> {
                        flush.configure(c);
                        return new Link(c, c.async());
                    });
        } else {
            RedisClusterClient cluster = RedisClusterClient.create(resources, spec.clusterNodes().stream()
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
                    .thenCompose(loaded -> cluster.connectAsync(CODEC))
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
        Link l = linkOrReconnect();
        if (l == null) {
            return down();
        }
        RedisClusterAsyncCommands<String, byte[]> c = l.commands();
        String sha = shas.computeIfAbsent(script, RedisStore::sha1);
        String[] k = keys.toArray(String[]::new);
        byte[][] a = new byte[args.size()][];
        for (int i = 0; i < a.length; i++) {
            a[i] = args.get(i).getBytes(StandardCharsets.UTF_8);
        }
        // one completion stage per call on the hot path (no handle/thenCompose chain)
        CompletableFuture<List<Long>> result = new CompletableFuture<>();
        RedisFuture<List<Long>> call = c.evalsha(sha, ScriptOutputType.MULTI, k, a);
        flush.dispatched();
        call.whenComplete((values, error) -> {
            if (error == null) {
                result.complete(values);
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof RedisNoScriptException) {
                // the script is not loaded on this server (first call, after a restart, a fail-over or on another
                // cluster node): send it once
                RedisFuture<List<Long>> retry = c.eval(script, ScriptOutputType.MULTI, k, a);
                flush.dispatched();
                retry.whenComplete((again, failed) -> {
                    if (failed == null) {
                        result.complete(again);
                    } else {
                        failures.increment();
                        result.completeExceptionally(failed);
                    }
                });
                return;
            }
            failures.increment();
            result.completeExceptionally(cause);
        });
        return result;
    }

    @Override
    public CompletionStage<byte @Nullable []> get(String key) {
        Link l = linkOrReconnect();
        return l == null ? down() : counted(sent(l.commands().get(key)));
    }

    @Override
    public CompletionStage<Void> set(String key, byte[] value, Duration ttl) {
        Link l = linkOrReconnect();
        return l == null ? down() : counted(sent(l.commands().set(key, value, SetArgs.Builder.px(Math.max(1,
                ttl.toMillis())))).thenApply(ok -> null));
    }

    @Override
    public CompletionStage<Long> delete(List<String> keys) {
        Link l = linkOrReconnect();
        if (l == null) {
            return down();
        }
        if (keys.isEmpty()) {
            return CompletableFuture.completedFuture(0L);
        }
        // one DEL per key: in a cluster, keys of one call must share a slot
        List<CompletableFuture<Long>> each = keys.stream()
                .map(k -> l.commands().del(k).toCompletableFuture()).toList();
        flush.dispatched();
        return counted(CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(done -> each.stream().mapToLong(CompletableFuture::join).sum()));
    }

    @Override
    public CompletionStage<List<String>> keys(String prefix, int limit) {
        Link l = linkOrReconnect();
        if (l == null) {
            return down();
        }
        ScanArgs args = ScanArgs.Builder.matches(glob(prefix) + "*").limit(500);
        List<String> found = new java.util.ArrayList<>();
        return counted(scan(l.commands(), ScanCursor.INITIAL, args, found, limit));
    }

    private CompletableFuture<List<String>> scan(RedisClusterAsyncCommands<String, byte[]> c,
            ScanCursor cursor, ScanArgs args, List<String> found, int limit) {
        return sent(c.scan(cursor, args)).thenCompose((KeyScanCursor<String> page) -> {
            for (String k : page.getKeys()) {
                if (found.size() < limit) {
                    found.add(k);
                }
            }
            if (page.isFinished() || found.size() >= limit) {
                return CompletableFuture.completedFuture(found);
            }
            return scan(c, page, args, found, limit);
        });
    }

    /** A command just dispatched, made sure to be sent. */
    private <T> CompletableFuture<T> sent(RedisFuture<T> call) {
        flush.dispatched();
        return call.toCompletableFuture();
    }

    /** A literal for a SCAN pattern: the glob characters escaped. */
    private static String glob(String literal) {
        StringBuilder sb = new StringBuilder(literal.length() + 8);
        for (char ch : literal.toCharArray()) {
            if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') {
                sb.append('\\');
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    /** The connection, or null when there is none yet (a new attempt starts in the background). */
    private @Nullable Link linkOrReconnect() {
        Link l = link;
        if (l == null) {
            connect();
        }
        return l;
    }

    private <T> CompletableFuture<T> down() {
        failures.increment();
        return CompletableFuture.failedFuture(new IllegalStateException("redis is not connected"));
    }

    private <T> CompletableFuture<T> counted(CompletableFuture<T> call) {
        return call.whenComplete((result, error) -> {
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
        resources.shutdown();
    }
}
