package dev.gatehouse.plugins.cache;

import dev.gatehouse.plugin.api.SharedStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored responses in the shared Redis, so that every gateway node answers from one cache: one Redis string per
 * primary key (its variants, serialized), expiring with the last of them. A Redis that fails is a miss, never an
 * error for the client.
 */
final class RedisStorage implements CacheStorage {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStorage.class);
    /** The entry format's version: entries of another version (an older gateway's) are misses. */
    private static final int FORMAT = 2;
    private static final int PURGE_SCAN_LIMIT = 100_000;

    private final SharedStore redis;
    private final String namespace;

    /** @param namespace prefixes every key (the plugin's scope), so caches of different routes never mix */
    RedisStorage(SharedStore redis, String namespace) {
        this.redis = redis;
        this.namespace = namespace;
    }

    @Override
    public CompletionStage<@Nullable List<CachedResponse>> get(String key) {
        return redis.get(namespace + key).handle((bytes, error) -> {
            if (error != null || bytes == null) {
                return null;
            }
            try {
                return decode(bytes);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cache entry {} in redis cannot be read ({}); treated as a miss", key, e.toString());
                return null;
            }
        });
    }

    @Override
    public CompletionStage<Void> put(String key, List<CachedResponse> variants, long ttlMs) {
        // a failed write is a later miss, nothing more
        return redis.set(namespace + key, encode(variants), Duration.ofMillis(Math.max(1, ttlMs)))
                .exceptionally(error -> null);
    }

    @Override
    public void remove(String key) {
        redis.delete(List.of(namespace + key));
    }

    @Override
    public CompletionStage<Integer> purge(Purge purge) {
        if (purge.key() != null) {
            return redis.delete(List.of(namespace + purge.key())).thenApply(Long::intValue);
        }
        String scanPrefix = namespace + (purge.url() != null ? purge.url() : purge.prefix());
        return redis.keys(scanPrefix, PURGE_SCAN_LIMIT).thenCompose(found -> {
            List<String> doomed = found.stream()
                    .filter(k -> purge.matches(k.substring(namespace.length()))).toList();
            return doomed.isEmpty() ? CompletableFuture.completedFuture(0)
                    : redis.delete(doomed).thenApply(Long::intValue);
        });
    }

    @Override
    public long storedBytes() {
        return -1;
    }

    static byte[] encode(List<CachedResponse> variants) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeShort(variants.size());
            for (CachedResponse r : variants) {
                r.write(out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<CachedResponse> decode(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != FORMAT) {
                throw new IOException("unknown format");
            }
            int n = in.readShort();
            List<CachedResponse> variants = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                variants.add(CachedResponse.read(in));
            }
            return List.copyOf(variants);
        }
    }
}
