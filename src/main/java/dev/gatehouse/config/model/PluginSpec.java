package dev.gatehouse.config.model;

import org.jspecify.annotations.Nullable;

/**
 * One entry of a {@code plugins:} list (global, service or route). The {@code config:} map is kept as parsed, with
 * its lines, and bound to the plugin's typed configuration when the snapshot is compiled, where the plugin's type
 * is known.
 *
 * @param path the entry's key path, such as {@code routes[0].plugins[1]}, for errors
 * @param line the entry's line, for errors
 * @param route under a consumer: the route this entry is limited to, or null
 * @param service under a consumer: the service this entry is limited to, or null
 */
public record PluginSpec(String name, boolean enabled, @Nullable ConfigNode config, String path, int line,
        @Nullable String route, @Nullable String service) {
}
