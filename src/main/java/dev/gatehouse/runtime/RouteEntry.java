package dev.gatehouse.runtime;

import dev.gatehouse.config.model.RetrySpec;
import dev.gatehouse.plugin.runtime.PluginChain;
import dev.gatehouse.upstream.UpstreamService;

/**
 * A compiled route: what the router returns on a match.
 *
 * @param clientMaxBodySize the route's body limit in bytes, or -1 to use the listener's
 * @param retries the route's retry policy, else its service's
 * @param plugins the route's plugins (route, service and global scopes resolved), in the order they run
 */
public record RouteEntry(String name, UpstreamService service, boolean stripPath, boolean preserveHost,
        long clientMaxBodySize, RetrySpec retries, PluginChain plugins) {
}
