package dev.gatehouse.plugins.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Stored responses in this JVM: Caffeine, bounded by bytes (not entries), each key expiring on its own. */
final class MemoryStorage implements CacheStorage {

    private record Entry(List<CachedResponse> variants, long ttlNanos, int weight) {
    }

    private final Cache<String, Entry> cache;
    private final long maxBytes;

    MemoryStorage(long maxBytes) {
        this.maxBytes = maxBytes;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, Entry e) -> e.weight())
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long now) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long now, long current) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long now, long current) {
                        return current;
                    }
                })
                // eviction and expiry work runs on the calling thread: no hand-off to the common pool per write
                .executor(Runnable::run)
                .build();
    }

    long maxBytes() {
        return maxBytes;
    }

    /** The variants, at once (the event loop's fast path for a hit). */
    @Nullable List<CachedResponse> getNow(String key) {
        Entry e = cache.getIfPresent(key);
        return e == null ? null : e.variants();
    }

    @Override
    public CompletionStage<@Nullable List<CachedResponse>> get(String key) {
        return CompletableFuture.completedFuture(getNow(key));
    }

    @Override
    public CompletionStage<Void> put(String key, List<CachedResponse> variants, long ttlMs) {
        int weight = key.length() + 64;
        for (CachedResponse r : variants) {
            weight += r.weight();
        }
        cache.put(key, new Entry(List.copyOf(variants), TimeUnit.MILLISECONDS.toNanos(Math.max(1, ttlMs)), weight));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void remove(String key) {
        cache.invalidate(key);
    }

    @Override
    public CompletionStage<Integer> purge(Purge purge) {
        if (purge.key() != null) {
            boolean present = cache.asMap().remove(purge.key()) != null;
            return CompletableFuture.completedFuture(present ? 1 : 0);
        }
        int[] removed = new int[1];
        cache.asMap().keySet().removeIf(k -> {
            boolean match = purge.matches(k);
            if (match) {
                removed[0]++;
            }
            return match;
        });
        return CompletableFuture.completedFuture(removed[0]);
    }

    @Override
    public long storedBytes() {
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }
}
