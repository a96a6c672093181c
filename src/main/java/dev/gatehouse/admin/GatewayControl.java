package dev.gatehouse.admin;

import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.observe.Metrics;
import dev.gatehouse.runtime.Snapshot;

/** What the Admin API may ask of the running gateway; implemented by the boot wiring. */
public interface GatewayControl {

    /** The configuration serving now. */
    Snapshot snapshot();

    /** The version string. */
    String version();

    long startedAtMillis();

    /** Open client connections on the proxy listeners. */
    int connections();

    /** True once the listeners are bound and a configuration is loaded, until shutdown begins. */
    boolean ready();

    Metrics metrics();

    /** Re-reads the configuration file, as SIGHUP does; false when it was rejected (the running one stays). */
    boolean reload();

    /**
     * Validates, compiles and swaps in a whole configuration document (JSON-shaped: maps, lists, scalars), then
     * persists it; all or nothing. Runs on the admin thread, never on an event loop.
     *
     * @param source the name errors carry ({@code admin})
     * @throws ConfigException with every error when the document is not valid; nothing changed
     */
    void apply(com.fasterxml.jackson.databind.JsonNode document, String source) throws ConfigException;

    /** One response cache of the running configuration, named by the scope of its plugin entry. */
    record CacheRow(String name, long hits, long misses, long storedBytes) {
    }

    /** The response caches of the running configuration, sorted by name. */
    java.util.List<CacheRow> caches();

    /**
     * Purges response caches (all, or the one named {@code cache}): by exact key, by URL or by URL prefix (exactly
     * one given); completes with how many keys went.
     */
    java.util.concurrent.CompletionStage<Integer> purgeCaches(@org.jspecify.annotations.Nullable String cache,
            @org.jspecify.annotations.Nullable String key, @org.jspecify.annotations.Nullable String url,
            @org.jspecify.annotations.Nullable String prefix);

    /** The document the running configuration was built from (what {@code GET /config} exports). */
    com.fasterxml.jackson.databind.JsonNode document();
}
