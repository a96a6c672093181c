package dev.gatehouse.plugin.api;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A response cache's handle for operators: purges (the Admin API's {@code /cache/purge}) and the counts metrics
 * export. A caching plugin keeps one as {@linkplain PluginEnvironment#retained retained state}, where the gateway
 * finds it.
 */
public interface ResponseCache {

    /**
     * Removes entries: the one under {@code key}, every entry of {@code url}, or every entry whose URL starts with
     * {@code prefix} (exactly one is given).
     *
     * @return how many keys went
     */
    CompletionStage<Integer> purge(@Nullable String key, @Nullable String url, @Nullable String prefix);

    /** Requests answered from the cache (fresh, stale or revalidated). */
    long hits();

    /** Requests that went to the upstream for want of a usable entry. */
    long misses();

    /** Bytes of stored responses held in this process, or -1 when they are elsewhere (Redis). */
    long storedBytes();
}
