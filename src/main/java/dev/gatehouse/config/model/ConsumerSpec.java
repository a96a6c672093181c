package dev.gatehouse.config.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code consumers[]}: an API client known to the gateway, and its credentials per authentication plugin.
 *
 * @param credentials plugin name to its credential entries, each a map of string fields
 * @param path the entry's key path, for errors
 */
public record ConsumerSpec(String username, @Nullable String customId, List<String> groups,
        Map<String, List<Map<String, String>>> credentials, String path) {

    public ConsumerSpec {
        groups = List.copyOf(groups);
        credentials = Map.copyOf(credentials);
    }
}
