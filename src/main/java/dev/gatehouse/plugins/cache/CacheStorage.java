package dev.gatehouse.plugins.cache;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where stored responses live: each primary key (see {@link CacheKeys}) holds the variants stored for it (one per
 * set of {@code Vary} values). Calls never block: the memory storage answers at once, Redis later.
 */
interface CacheStorage extends AutoCloseable {

    /** The variants under {@code key}, or null. */
    CompletionStage<@Nullable List<CachedResponse>> get(String key);

    /** Replaces the variants under {@code key}, to be kept for {@code ttlMs} at most; completes once stored. */
    CompletionStage<Void> put(String key, List<CachedResponse> variants, long ttlMs);

    void remove(String key);

    /** Removes what a purge names; completes with how many keys went. */
    CompletionStage<Integer> purge(Purge purge);

    /** Bytes held (memory) or -1 when the storage does not know (Redis). */
    long storedBytes();

    @Override
    default void close() {
    }

    /** What a purge removes: one key, every key of one URL, or every key under a URL prefix. */
    record Purge(@Nullable String key, @Nullable String url, @Nullable String prefix) {

        boolean matches(String storedKey) {
            if (key != null) {
                return storedKey.equals(key);
            }
            String urlPart = CacheKeys.urlPart(storedKey);
            if (url != null) {
                return urlPart.equals(url);
            }
            return prefix != null && urlPart.startsWith(prefix);
        }
    }
}
