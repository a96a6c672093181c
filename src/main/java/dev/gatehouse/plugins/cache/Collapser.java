package dev.gatehouse.plugins.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Request collapsing: the first request to miss (or revalidate) a key fetches it; the others with the same key wait
 * for that fetch to end, then look again (nginx's proxy_cache_lock). The wait is bounded by the plugin's
 * {@code lock_timeout}, after which a waiter goes upstream by itself.
 */
final class Collapser {

    private final ConcurrentHashMap<String, CompletableFuture<Void>> fetching = new ConcurrentHashMap<>();

    /** Becomes the fetcher of {@code key} and returns its slot, or null when another fetch is on (see {@link #wait}). */
    @Nullable CompletableFuture<Void> lead(String key) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        return fetching.putIfAbsent(key, mine) == null ? mine : null;
    }

    /** What to wait for: the running fetch of {@code key}, or null when there is none. */
    @Nullable CompletableFuture<Void> running(String key) {
        return fetching.get(key);
    }

    /** The fetch is over (stored or not): waiters look again. Safe to call more than once. */
    void done(String key, CompletableFuture<Void> slot) {
        fetching.remove(key, slot);
        slot.complete(null);
    }
}
