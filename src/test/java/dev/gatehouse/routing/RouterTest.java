package dev.gatehouse.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouterTest {

    record Req(String host, String path, String method, Map<String, String> headers, Map<String, String> query)
            implements RoutableRequest {
        @Override
        public @Nullable String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }

        @Override
        public @Nullable String queryParam(String name) {
            return query.get(name);
        }
    }

    private static final List<RouteDefinition<String>> ROUTES = new ArrayList<>();

    private static void route(String name, List<String> hosts, List<String> paths, List<String> methods,
            Map<String, List<String>> headers, int priority) {
        ROUTES.add(new RouteDefinition<>(name, hosts, paths, methods, headers, Map.of(), priority, ROUTES.size()));
    }

    static {
        route("users", List.of(), List.of("/users"), List.of(), Map.of(), 0);
        route("users-v2", List.of(), List.of("/users"), List.of(), Map.of("x-version", List.of("2")), 0);
        route("users-post", List.of(), List.of("/users"), List.of("POST"), Map.of(), 0);
        route("users-deep", List.of(), List.of("/users/admin"), List.of(), Map.of(), 0);
        route("exact", List.of(), List.of("= /exact"), List.of(), Map.of(), 0);
        route("exact-prefix", List.of(), List.of("/exact"), List.of(), Map.of(), 0);
        route("items-regex", List.of(), List.of("~ ^/v[0-9]+/items/\\d+$"), List.of(), Map.of(), 0);
        route("v1-prefix", List.of(), List.of("/v1"), List.of(), Map.of(), 0);
        route("api-host", List.of("api.example.com"), List.of("/users"), List.of(), Map.of(), 0);
        route("wild-suffix", List.of("*.example.org"), List.of("/"), List.of(), Map.of(), 0);
        route("wild-suffix-longer", List.of("*.eu.example.org"), List.of("/"), List.of(), Map.of(), 0);
        route("wild-prefix", List.of("shop.example.*"), List.of("/"), List.of(), Map.of(), 0);
        route("low", List.of(), List.of("/prio"), List.of(), Map.of(), 1);
        route("high", List.of(), List.of("/prio"), List.of(), Map.of(), 10);
        route("slash", List.of("root.test"), List.of("/"), List.of(), Map.of(), 0);
    }

    private static final Router<String> ROUTER = Router.compile(ROUTES);

    private static @Nullable String match(String host, String path, String method, String... headers) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        RouteMatch<String> m = ROUTER.match(new Req(host, path, method, h, Map.of()));
        return m == null ? null : m.route();
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(nullValues = "none", value = {
            // segment-aware prefixes
            "x.test, /users, GET, users",
            "x.test, /users/1, GET, users",
            "x.test, /usersx, GET, none",
            "x.test, /users/admin/7, GET, users-deep",
            "x.test, /users/administrator, GET, users",
            // methods: a route with a predicate wins over one without
            "x.test, /users, POST, users-post",
            // exact before prefix
            "x.test, /exact, GET, exact",
            "x.test, /exact/more, GET, exact-prefix",
            // regex before prefix
            "x.test, /v1/items/42, GET, items-regex",
            "x.test, /v1/items/abc, GET, v1-prefix",
            // hosts: exact host first, then fall through to routes without hosts
            "api.example.com, /users, GET, api-host",
            "api.example.com, /exact, GET, exact",
            // wildcards: longest first; a suffix wildcard needs at least one label
            "a.example.org, /x, GET, wild-suffix",
            "a.eu.example.org, /x, GET, wild-suffix-longer",
            "example.org, /users, GET, users",
            "shop.example.net, /x, GET, wild-prefix",
            // priority breaks ties between the same path
            "x.test, /prio, GET, high",
            "root.test, /anything, GET, slash",
            "x.test, /nothing, GET, none"})
    void precedence(String host, String path, String method, @Nullable String expected) {
        assertThat(match(host, path, method)).isEqualTo(expected);
    }

    @Test
    void headerPredicatesMatchAnyValueIgnoringCase() {
        assertThat(match("x.test", "/users", "GET", "x-version", "2")).isEqualTo("users-v2");
        assertThat(match("x.test", "/users", "GET", "x-version", "3")).isEqualTo("users");
    }

    @Test
    void queryPredicates() {
        Router<String> router = Router.compile(List.of(
                new RouteDefinition<>("q", List.of(), List.of("/s"), List.of(), Map.of(),
                        Map.of("mode", List.of("beta")), 0, 0),
                new RouteDefinition<>("present", List.of(), List.of("/s"), List.of(), Map.of(),
                        Map.of("debug", List.of()), 0, 1)));
        assertThat(router.match(new Req("h", "/s", "GET", Map.of(), Map.of("mode", "beta"))).route()).isEqualTo("q");
        assertThat(router.match(new Req("h", "/s", "GET", Map.of(), Map.of("debug", ""))).route())
                .isEqualTo("present");
        assertThat(router.match(new Req("h", "/s", "GET", Map.of(), Map.of("mode", "alpha")))).isNull();
    }

    @Test
    void matchedLengthDrivesStripPath() {
        RouteMatch<String> m = ROUTER.match(new Req("x", "/users/1", "GET", Map.of(), Map.of()));
        assertThat(RouteMatch.upstreamPath("", "/users/1", m.matchedLength(), true)).isEqualTo("/1");
        assertThat(RouteMatch.upstreamPath("", "/users/1", m.matchedLength(), false)).isEqualTo("/users/1");
        assertThat(RouteMatch.upstreamPath("/base", "/users/1", m.matchedLength(), true)).isEqualTo("/base/1");
        assertThat(RouteMatch.upstreamPath("/base/", "/users/1", m.matchedLength(), true)).isEqualTo("/base/1");
        assertThat(RouteMatch.upstreamPath("", "/users", 6, true)).isEqualTo("/");
        assertThat(RouteMatch.upstreamPath("/base", "/users", 6, true)).isEqualTo("/base");
    }
}
