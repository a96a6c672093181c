package dev.gatehouse.plugin.api;

import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** What a plugin may know of the configuration it is created in. */
public interface PluginEnvironment {

    /** The credentials configured for the plugin named {@code pluginName}, across all consumers. */
    List<Credential> credentials(String pluginName);

    /** A consumer by username, or null. */
    @Nullable Consumer consumer(String username);

    /** The shared store of the top-level {@code redis:} block, or null when none is configured. */
    @Nullable SharedStore sharedStore();

    /**
     * Where this plugin entry is configured: {@code global}, {@code service:NAME}, {@code route:NAME} or
     * {@code consumer:NAME}. Stable across reloads, so it can name shared state (Redis keys).
     */
    String scope();

    /**
     * State that survives reloads: the value this plugin entry (same name and scope) kept under {@code key} in the
     * previous configuration, when it is a {@code T}, otherwise a new one from {@code create}. A value the next
     * configuration no longer asks for is dropped once that configuration is in place (and closed when it is
     * {@link AutoCloseable}, which is how background work such as a periodic flush stops).
     */
    <T> T retained(String key, Class<T> type, Supplier<T> create);
}
