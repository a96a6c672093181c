package dev.gatehouse.plugin.api;

/**
 * Creates a plugin from its typed configuration. Built-in and third-party plugins implement this and are found
 * with {@link java.util.ServiceLoader}.
 *
 * <p>The configuration is a record whose components are the plugin's {@code config:} keys in camelCase
 * ({@code key_names} → {@code keyNames}). Supported component types: {@code String}, {@code int}, {@code long},
 * {@code boolean}, {@code double}, {@link java.time.Duration} ({@code 250ms}), enums (written in lower case with
 * dashes), records (nested maps), {@code List} of those, and {@code Map<String, String>}. Keys left out take their
 * value from the record's {@code public static final DEFAULTS} instance, when there is one; otherwise they are
 * required. Unknown keys and bad values are configuration errors with file, line and key.
 *
 * @param <C> the configuration record
 */
public interface PluginFactory<C extends Record> {

    /** The kebab-case name used in the YAML, such as {@code key-auth}. */
    String name();

    Class<C> configType();

    Stage stage();

    /** Higher runs first within the stage. */
    int priority();

    /** How long an {@link Outcome.Await} of this plugin may keep a request waiting (default 10 s). */
    default java.time.Duration awaitTimeout() {
        return java.time.Duration.ofSeconds(10);
    }

    /**
     * What a request gets when this plugin's {@link Outcome.Await} fails or times out: false (the default) answers
     * 503 (fail closed: right for authentication and anything that protects), true lets the request go on (fail
     * open: right for plugins that only enrich or observe).
     */
    default boolean failOpen() {
        return false;
    }

    /**
     * Builds the plugin for one configuration entry, once per configuration snapshot, off the event loops.
     * Implement this one, or {@link #create(Record, PluginEnvironment)} when the plugin needs consumers.
     *
     * @throws IllegalArgumentException with a message naming the value and the expectation when the
     *     configuration is valid in shape but not in meaning (it becomes a configuration error)
     */
    default Plugin create(C config) {
        throw new UnsupportedOperationException(name() + " must implement a create method");
    }

    /** Builds the plugin, with access to consumers and their credentials; by default {@link #create(Record)}. */
    default Plugin create(C config, PluginEnvironment environment) {
        return create(config);
    }
}
