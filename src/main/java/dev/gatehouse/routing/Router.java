package dev.gatehouse.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Finds the route of a request. Compiled once per configuration snapshot, immutable, safe to share between
 * event loops.
 *
 * <p>Precedence, deterministic and documented in {@code docs/configuration.md}:
 * <ol>
 *   <li>host: the exact host's routes, then wildcard hosts (longest pattern first, {@code *.x} before
 *       {@code x.*} on a tie), then routes without hosts; a request that matches no route of a more specific
 *       host falls through to the next;</li>
 *   <li>within a host: exact paths ({@code = /p}), then regex paths ({@code ~ re}), then prefixes longest
 *       first, then routes without paths;</li>
 *   <li>among routes with the same path: higher {@code priority}, then more predicates (methods, headers,
 *       query), then the order in the file.</li>
 * </ol>
 * The cost of a match grows with the routes that share the request's host, not with all routes.
 */
public final class Router<T> {

    private final Map<String, HostBucket<T>> exactHosts;
    private final String[] wildcardPatterns;
    private final HostBucket<T>[] wildcardBuckets;
    private final @Nullable HostBucket<T> anyHost;

    private Router(Map<String, HostBucket<T>> exactHosts, String[] wildcardPatterns, HostBucket<T>[] wildcardBuckets,
            @Nullable HostBucket<T> anyHost) {
        this.exactHosts = exactHosts;
        this.wildcardPatterns = wildcardPatterns;
        this.wildcardBuckets = wildcardBuckets;
        this.anyHost = anyHost;
    }

    /** Compiles routes; their path regexes must be valid (the config binder checked them). */
    @SuppressWarnings("unchecked")
    public static <T> Router<T> compile(List<RouteDefinition<T>> routes) {
        Map<String, HostBucket.Builder<T>> exact = new HashMap<>();
        Map<String, HostBucket.Builder<T>> wildcards = new LinkedHashMap<>();
        HostBucket.Builder<T> any = null;
        for (RouteDefinition<T> route : routes) {
            if (route.hosts().isEmpty()) {
                if (any == null) {
                    any = new HostBucket.Builder<>();
                }
                any.add(route);
            }
            for (String rawHost : route.hosts()) {
                String host = rawHost.toLowerCase(Locale.ROOT);
                var target = host.indexOf('*') >= 0 ? wildcards : exact;
                target.computeIfAbsent(host, h -> new HostBucket.Builder<>()).add(route);
            }
        }
        Map<String, HostBucket<T>> exactBuckets = new HashMap<>();
        exact.forEach((h, b) -> exactBuckets.put(h, b.build()));
        List<String> patterns = new ArrayList<>(wildcards.keySet());
        patterns.sort(Comparator.comparingInt(String::length).reversed()
                .thenComparing(p -> p.startsWith("*") ? 0 : 1)
                .thenComparing(Comparator.naturalOrder()));
        HostBucket<T>[] buckets = new HostBucket[patterns.size()];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = wildcards.get(patterns.get(i)).build();
        }
        return new Router<>(Map.copyOf(exactBuckets), patterns.toArray(String[]::new), buckets,
                any == null ? null : any.build());
    }

    /** The matching route, or null. Allocates nothing on a miss. */
    public @Nullable RouteMatch<T> match(RoutableRequest request) {
        String host = request.host();
        HostBucket<T> bucket = exactHosts.get(host);
        if (bucket != null) {
            RouteMatch<T> m = bucket.match(request);
            if (m != null) {
                return m;
            }
        }
        for (int i = 0; i < wildcardPatterns.length; i++) {
            if (wildcardMatches(wildcardPatterns[i], host)) {
                RouteMatch<T> m = wildcardBuckets[i].match(request);
                if (m != null) {
                    return m;
                }
            }
        }
        return anyHost == null ? null : anyHost.match(request);
    }

    static boolean wildcardMatches(String pattern, String host) {
        if (pattern.startsWith("*")) {
            // "*.example.org": one or more labels before the suffix
            int suffix = pattern.length() - 1;
            return host.length() > suffix && host.regionMatches(host.length() - suffix, pattern, 1, suffix);
        }
        int prefix = pattern.length() - 1;
        return host.length() > prefix && host.regionMatches(0, pattern, 0, prefix);
    }
}
