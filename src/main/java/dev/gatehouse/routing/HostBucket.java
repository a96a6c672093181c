package dev.gatehouse.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The routes of one host pattern, indexed by path: exact paths in a map, then regexes by priority, then
 * prefixes longest first. Built once per snapshot; matching allocates nothing but the result.
 */
final class HostBucket<T> {

    private static final Comparator<RouteCandidate<?>> BY_PRECEDENCE =
            Comparator.<RouteCandidate<?>>comparingInt(c -> -c.route.priority())
                    .thenComparingInt(c -> -c.specificity)
                    .thenComparingInt(c -> c.route.order());

    private final Map<String, RouteCandidate<T>[]> exact;
    private final RouteCandidate<T>[] regexes;
    private final String[] prefixes;
    private final RouteCandidate<T>[][] prefixCandidates;

    private HostBucket(Map<String, RouteCandidate<T>[]> exact, RouteCandidate<T>[] regexes, String[] prefixes,
            RouteCandidate<T>[][] prefixCandidates) {
        this.exact = exact;
        this.regexes = regexes;
        this.prefixes = prefixes;
        this.prefixCandidates = prefixCandidates;
    }

    @Nullable RouteMatch<T> match(RoutableRequest request) {
        String path = request.path();
        RouteCandidate<T>[] exactCandidates = exact.get(path);
        if (exactCandidates != null) {
            for (RouteCandidate<T> c : exactCandidates) {
                if (c.predicatesMatch(request)) {
                    return new RouteMatch<>(c.route.payload(), path.length());
                }
            }
        }
        for (RouteCandidate<T> c : regexes) {
            int matched = c.regexMatch(path);
            if (matched >= 0 && c.predicatesMatch(request)) {
                return new RouteMatch<>(c.route.payload(), matched);
            }
        }
        for (int i = 0; i < prefixes.length; i++) {
            String prefix = prefixes[i];
            if (segmentPrefix(path, prefix)) {
                for (RouteCandidate<T> c : prefixCandidates[i]) {
                    if (c.predicatesMatch(request)) {
                        return new RouteMatch<>(c.route.payload(), prefix.equals("/") ? 0 : prefix.length());
                    }
                }
            }
        }
        return null;
    }

    /** {@code /users} matches {@code /users} and {@code /users/1}, not {@code /usersx}. */
    static boolean segmentPrefix(String path, String prefix) {
        if (prefix.isEmpty() || prefix.equals("/")) {
            return true;
        }
        if (!path.startsWith(prefix)) {
            return false;
        }
        return path.length() == prefix.length() || prefix.charAt(prefix.length() - 1) == '/'
                || path.charAt(prefix.length()) == '/';
    }

    /** Collects routes for one host pattern, then freezes them into a {@link HostBucket}. */
    static final class Builder<T> {
        private final Map<String, List<RouteCandidate<T>>> exact = new HashMap<>();
        private final List<RouteCandidate<T>> regexes = new ArrayList<>();
        private final Map<String, List<RouteCandidate<T>>> prefixes = new HashMap<>();

        void add(RouteDefinition<T> route) {
            if (route.paths().isEmpty()) {
                prefixes.computeIfAbsent("", k -> new ArrayList<>()).add(new RouteCandidate<>(route, null));
                return;
            }
            for (String p : route.paths()) {
                if (p.startsWith("= ")) {
                    exact.computeIfAbsent(p.substring(2).trim(), k -> new ArrayList<>())
                            .add(new RouteCandidate<>(route, null));
                } else if (p.startsWith("~ ")) {
                    regexes.add(new RouteCandidate<>(route, Pattern.compile(p.substring(2).trim())));
                } else {
                    prefixes.computeIfAbsent(p, k -> new ArrayList<>()).add(new RouteCandidate<>(route, null));
                }
            }
        }

        @SuppressWarnings("unchecked")
        HostBucket<T> build() {
            Map<String, RouteCandidate<T>[]> exactMap = new HashMap<>();
            exact.forEach((path, list) -> exactMap.put(path, sorted(list)));
            RouteCandidate<T>[] regexArray = sorted(regexes);
            List<String> prefixOrder = new ArrayList<>(prefixes.keySet());
            prefixOrder.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
            RouteCandidate<T>[][] candidates = new RouteCandidate[prefixOrder.size()][];
            for (int i = 0; i < candidates.length; i++) {
                candidates[i] = sorted(prefixes.get(prefixOrder.get(i)));
            }
            return new HostBucket<>(Map.copyOf(exactMap), regexArray, prefixOrder.toArray(String[]::new), candidates);
        }

        @SuppressWarnings("unchecked")
        private static <T> RouteCandidate<T>[] sorted(List<RouteCandidate<T>> list) {
            List<RouteCandidate<T>> copy = new ArrayList<>(list);
            copy.sort(BY_PRECEDENCE);
            return copy.toArray(RouteCandidate[]::new);
        }
    }
}
