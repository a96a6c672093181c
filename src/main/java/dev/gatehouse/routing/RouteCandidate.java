package dev.gatehouse.routing;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** One route under one path pattern of one host bucket, with its compiled predicates. */
final class RouteCandidate<T> {

    final RouteDefinition<T> route;
    final @Nullable Pattern regex;
    private final String[] methods;
    private final String[] headerNames;
    private final String[][] headerValues;
    private final String[] queryNames;
    private final String[][] queryValues;
    final int specificity;

    RouteCandidate(RouteDefinition<T> route, @Nullable Pattern regex) {
        this.route = route;
        this.regex = regex;
        this.methods = route.methods().toArray(String[]::new);
        this.headerNames = route.headers().keySet().stream().sorted().toArray(String[]::new);
        this.headerValues = values(route.headers(), headerNames, true);
        this.queryNames = route.query().keySet().stream().sorted().toArray(String[]::new);
        this.queryValues = values(route.query(), queryNames, false);
        this.specificity = (methods.length > 0 ? 1 : 0) + headerNames.length + queryNames.length;
    }

    private static String[][] values(Map<String, List<String>> map, String[] names, boolean lowerCase) {
        String[][] out = new String[names.length][];
        for (int i = 0; i < names.length; i++) {
            out[i] = map.get(names[i]).stream()
                    .map(v -> lowerCase ? v.toLowerCase(Locale.ROOT) : v)
                    .toArray(String[]::new);
        }
        return out;
    }

    /** Method, header and query predicates; the path has been matched already. */
    boolean predicatesMatch(RoutableRequest request) {
        if (methods.length > 0 && !contains(methods, request.method(), false)) {
            return false;
        }
        for (int i = 0; i < headerNames.length; i++) {
            String v = request.header(headerNames[i]);
            if (v == null || !contains(headerValues[i], v, true)) {
                return false;
            }
        }
        for (int i = 0; i < queryNames.length; i++) {
            String v = request.queryParam(queryNames[i]);
            if (v == null || (queryValues[i].length > 0 && !contains(queryValues[i], v, false))) {
                return false;
            }
        }
        return true;
    }

    /** The length of the path the regex matched from its start, or -1 when it does not match. */
    int regexMatch(String path) {
        Matcher m = regex.matcher(path);
        if (!m.find()) {
            return -1;
        }
        return m.start() == 0 ? m.end() : 0;
    }

    private static boolean contains(String[] values, String v, boolean ignoreCase) {
        for (String candidate : values) {
            if (ignoreCase ? candidate.equalsIgnoreCase(v) : candidate.equals(v)) {
                return true;
            }
        }
        return false;
    }
}
