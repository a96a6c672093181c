package dev.gatehouse.plugins.cache;

import dev.gatehouse.plugin.api.ResponseCache;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/** One cache's operator handle, kept across reloads: its counts, and purges of its current storage. */
final class CacheHandle implements ResponseCache {

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private volatile @Nullable CacheStorage storage;

    void storage(CacheStorage current) {
        this.storage = current;
    }

    void hit() {
        hits.increment();
    }

    void miss() {
        misses.increment();
    }

    @Override
    public CompletionStage<Integer> purge(@Nullable String key, @Nullable String url, @Nullable String prefix) {
        CacheStorage s = storage;
        return s == null ? CompletableFuture.completedFuture(0) : s.purge(new CacheStorage.Purge(key, url, prefix));
    }

    @Override
    public long hits() {
        return hits.sum();
    }

    @Override
    public long misses() {
        return misses.sum();
    }

    @Override
    public long storedBytes() {
        CacheStorage s = storage;
        return s == null ? 0 : s.storedBytes();
    }
}
