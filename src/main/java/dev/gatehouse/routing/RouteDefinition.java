package dev.gatehouse.routing;

import java.util.List;
import java.util.Map;

/**
 * The matching rules of one route, as the router needs them, with the payload a match returns.
 *
 * @param order the route's position in the configuration, the last tie-breaker
 */
public record RouteDefinition<T>(
        T payload,
        List<String> hosts,
        List<String> paths,
        List<String> methods,
        Map<String, List<String>> headers,
        Map<String, List<String>> query,
        int priority,
        int order) {

    public RouteDefinition {
        hosts = List.copyOf(hosts);
        paths = List.copyOf(paths);
        methods = List.copyOf(methods);
        headers = Map.copyOf(headers);
        query = Map.copyOf(query);
    }
}
