package dev.gatehouse.plugin.api;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** What a plugin may know of the configuration it is created in. */
public interface PluginEnvironment {

    /** The credentials configured for the plugin named {@code pluginName}, across all consumers. */
    List<Credential> credentials(String pluginName);

    /** A consumer by username, or null. */
    @Nullable Consumer consumer(String username);

    /** The shared store of the top-level {@code redis:} block, or null when none is configured. */
    @Nullable SharedStore sharedStore();
}
