package dev.gatehouse.boot.cli;

import dev.gatehouse.config.model.RouteSpec;
import dev.gatehouse.routing.RoutableRequest;
import dev.gatehouse.routing.RouteMatch;
import dev.gatehouse.runtime.RouteEntry;
import dev.gatehouse.runtime.Snapshot;
import dev.gatehouse.upstream.Endpoint;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse route-test -c FILE --method GET --url http://api.example.com/users/1 [-H 'Name: value']}: which
 * route a request would match and why, where it would go, and which plugins would run.
 */
@Command(name = "route-test", description = "Show which route a request matches, why, and what would run.")
final class RouteTestCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "the YAML configuration file")
    Path config;

    @Option(names = {"-X", "--method"}, defaultValue = "GET", description = "the method (default GET)")
    String method;

    @Option(names = "--url", required = true, description = "the request URL, such as http://api.example.com/x?y=1")
    String url;

    @Option(names = {"-H", "--header"}, description = "a request header, 'Name: value' (repeatable)")
    List<String> headers = new ArrayList<>();

    @Override
    public Integer call() throws java.io.IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            System.err.println("--url: " + e.getMessage());
            return 2;
        }
        Map<String, String> headerMap = new HashMap<>();
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                System.err.println("-H: '" + h + "' is not 'Name: value'");
                return 2;
            }
            headerMap.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        Snapshot snapshot = OfflineSnapshot.compileOrReport(config);
        if (snapshot == null) {
            return 1;
        }
        String host = uri.getHost() == null ? headerMap.getOrDefault("host", "") : uri.getHost();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        Request request = new Request(host.toLowerCase(Locale.ROOT), path, method.toUpperCase(Locale.ROOT),
                headerMap, uri.getRawQuery());
        RouteMatch<RouteEntry> match = snapshot.router().match(request);
        System.out.println(request.method + " host '" + request.host + "' path '" + path + "'"
                + (uri.getRawQuery() == null ? "" : " query '" + uri.getRawQuery() + "'"));
        if (match == null) {
            System.out.println("no route matches: the gateway answers 404 (route_not_found)");
            return 1;
        }
        RouteEntry route = match.route();
        RouteSpec rs = snapshot.spec().routes().stream().filter(r -> r.name().equals(route.name())).findFirst()
                .orElseThrow();
        System.out.println("matches route '" + route.name() + "'" + (rs.priority() != 0 ? " (priority "
                + rs.priority() + ")" : ""));
        System.out.println("  host:    " + (rs.hosts().isEmpty() ? "the route takes any host"
                : "'" + request.host + "' matches " + hostRule(rs.hosts(), request.host)));
        System.out.println("  path:    " + (rs.paths().isEmpty() ? "the route takes any path"
                : "'" + path + "' matches " + pathRule(rs.paths(), path) + " (" + match.matchedLength()
                        + " characters matched)"));
        System.out.println("  method:  " + (rs.methods().isEmpty() ? "the route takes any method"
                : request.method + " is one of " + rs.methods()));
        if (!rs.headers().isEmpty()) {
            System.out.println("  headers: " + rs.headers() + " all present");
        }
        if (!rs.query().isEmpty()) {
            System.out.println("  query:   " + rs.query() + " all present");
        }
        String upstreamPath = RouteMatch.upstreamPath(route.service().basePath(), path, match.matchedLength(),
                route.stripPath());
        System.out.println("forwards to " + target(route) + " as " + request.method + " " + upstreamPath
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                + (route.stripPath() ? " (strip_path removed the matched part)" : ""));
        System.out.println("plugins, in order: " + (route.plugins().isEmpty() ? "none"
                : String.join(", ", route.plugins().describe())));
        System.out.println("  (a consumer's own plugins may add to these once authentication knows the consumer)");
        return 0;
    }

    /** The service and its upstream targets, for display. */
    static String target(RouteEntry route) {
        List<String> targets = route.service().group().endpoints().stream().map(Endpoint::authority).toList();
        return "service '" + route.service().name() + "' -> upstream '" + route.service().group().name() + "' "
                + targets;
    }

    private static String hostRule(List<String> hosts, String host) {
        for (String h : hosts) {
            if (h.equalsIgnoreCase(host)) {
                return "'" + h + "' (exact)";
            }
        }
        for (String h : hosts) {
            if (h.startsWith("*.") && host.endsWith(h.substring(1)) || h.endsWith(".*")
                    && host.startsWith(h.substring(0, h.length() - 1))) {
                return "'" + h + "' (wildcard)";
            }
        }
        return hosts.toString();
    }

    private static String pathRule(List<String> paths, String path) {
        for (String p : paths) {
            if (p.startsWith("= ") && p.substring(2).equals(path)) {
                return "'" + p + "' (exact)";
            }
        }
        String best = null;
        for (String p : paths) {
            if (!p.startsWith("= ") && !p.startsWith("~ ") && (path.equals(p) || path.startsWith(p.endsWith("/")
                    ? p : p + "/")) && (best == null || p.length() > best.length())) {
                best = p;
            }
        }
        if (best != null) {
            return "'" + best + "' (prefix)";
        }
        for (String p : paths) {
            if (p.startsWith("~ ") && Pattern.compile(p.substring(2)).matcher(path).find()) {
                return "'" + p + "' (regex)";
            }
        }
        return paths.toString();
    }

    /** The request as the router sees it. */
    private record Request(String host, String path, String method, Map<String, String> headers,
            @Nullable String query) implements RoutableRequest {
        @Override
        public @Nullable String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }

        @Override
        public @Nullable String queryParam(String name) {
            if (query == null) {
                return null;
            }
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                if (key.equals(name)) {
                    return eq < 0 ? "" : pair.substring(eq + 1);
                }
            }
            return null;
        }
    }
}
