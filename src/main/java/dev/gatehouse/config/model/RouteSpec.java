package dev.gatehouse.config.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which requests go to a service, and how their path and Host are rewritten. Every non-empty predicate
 * must match; within one predicate, any listed value may match.
 *
 * @param paths prefix ({@code /users}), exact ({@code = /exact}) or regex ({@code ~ ^/v\d+/}) paths
 * @param headers header name (lower case) to accepted values
 * @param query query parameter name to accepted values (an empty list: the parameter is present)
 * @param clientMaxBodySize overrides the listener's limit for this route, or null
 * @param retries overrides the service's retry policy for this route, or null
 */
public record RouteSpec(
        String name,
        String service,
        List<String> hosts,
        List<String> paths,
        List<String> methods,
        Map<String, List<String>> headers,
        Map<String, List<String>> query,
        boolean stripPath,
        boolean preserveHost,
        int priority,
        @Nullable Long clientMaxBodySize,
        @Nullable RetrySpec retries,
        List<PluginSpec> plugins) {

    public RouteSpec {
        hosts = List.copyOf(hosts);
        paths = List.copyOf(paths);
        methods = List.copyOf(methods);
        headers = Map.copyOf(headers);
        query = Map.copyOf(query);
        plugins = List.copyOf(plugins);
    }
}
