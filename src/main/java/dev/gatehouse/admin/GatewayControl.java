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

    /** The response caches of the running configuration, by the plugin entry that owns each. */
    java.util.SortedMap<String, dev.gatehouse.plugin.api.ResponseCache> caches();

    /** The document the running configuration was built from (what {@code GET /config} exports). */
    com.fasterxml.jackson.databind.JsonNode document();
}
