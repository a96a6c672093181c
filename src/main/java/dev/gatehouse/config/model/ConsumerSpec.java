package dev.gatehouse.config.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code consumers[]}: an API client known to the gateway, and its credentials per authentication plugin.
 *
 * @param credentials plugin name to its credential entries, each a map of string fields
 * @param plugins plugins for this consumer's requests, optionally limited to a route or a service
 * @param path the entry's key path, for errors
 */
public record ConsumerSpec(String username, @Nullable String customId, List<String> groups,
        Map<String, List<Map<String, String>>> credentials, List<PluginSpec> plugins, String path) {

    public ConsumerSpec {
        groups = List.copyOf(groups);
        credentials = Map.copyOf(credentials);
        plugins = List.copyOf(plugins);
    }
}
