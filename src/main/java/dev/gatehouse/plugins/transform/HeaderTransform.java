package dev.gatehouse.plugins.transform;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Header and query operations, applied in Kong's order: remove, rename, replace (only present names), add (only
 * absent ones), append (always). Shared by the request and response transformers. Immutable.
 */
final class HeaderTransform {

    /** The {@code headers:} and {@code querystring:} lists of one operation. */
    public record Ops(List<String> headers, List<String> querystring) {
        public static final Ops DEFAULTS = new Ops(List.of(), List.of());
    }

    /** One plugin's configuration: an {@link Ops} per operation. */
    public record Config(Ops remove, Ops rename, Ops replace, Ops add, Ops append) {
        public static final Config DEFAULTS = new Config(Ops.DEFAULTS, Ops.DEFAULTS, Ops.DEFAULTS, Ops.DEFAULTS,
                Ops.DEFAULTS);
    }

    private final List<String> remove;
    private final List<Map.Entry<String, String>> rename;
    private final List<Map.Entry<String, String>> replace;
    private final List<Map.Entry<String, String>> add;
    private final List<Map.Entry<String, String>> append;
    private final List<String> removeQuery;
    private final List<Map.Entry<String, String>> renameQuery;
    private final List<Map.Entry<String, String>> replaceQuery;
    private final List<Map.Entry<String, String>> addQuery;
    private final List<Map.Entry<String, String>> appendQuery;

    /** @throws IllegalArgumentException for an entry that is not {@code name:value} where one is expected */
    HeaderTransform(Config config) {
        this.remove = List.copyOf(config.remove().headers());
        this.rename = pairs("rename.headers", config.rename().headers());
        this.replace = pairs("replace.headers", config.replace().headers());
        this.add = pairs("add.headers", config.add().headers());
        this.append = pairs("append.headers", config.append().headers());
        this.removeQuery = List.copyOf(config.remove().querystring());
        this.renameQuery = pairs("rename.querystring", config.rename().querystring());
        this.replaceQuery = pairs("replace.querystring", config.replace().querystring());
        this.addQuery = pairs("add.querystring", config.add().querystring());
        this.appendQuery = pairs("append.querystring", config.append().querystring());
    }

    boolean changesQuery() {
        return !removeQuery.isEmpty() || !renameQuery.isEmpty() || !replaceQuery.isEmpty() || !addQuery.isEmpty()
                || !appendQuery.isEmpty();
    }

    private static List<Map.Entry<String, String>> pairs(String op, List<String> entries) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(op + ": '" + entry + "' (expected: name:value)");
            }
            out.add(Map.entry(entry.substring(0, colon).trim(), entry.substring(colon + 1).trim()));
        }
        return List.copyOf(out);
    }

    /** Applies the query operations to a raw query string; returns the new one ("" for none). */
    String applyToQuery(@org.jspecify.annotations.Nullable String query) {
        List<String[]> params = new ArrayList<>();
        if (query != null && !query.isEmpty()) {
            for (String part : query.split("&")) {
                int eq = part.indexOf('=');
                params.add(eq < 0 ? new String[] {part, null} : new String[] {part.substring(0, eq),
                        part.substring(eq + 1)});
            }
        }
        params.removeIf(p -> removeQuery.contains(p[0]));
        for (Map.Entry<String, String> r : renameQuery) {
            params.forEach(p -> {
                if (p[0].equals(r.getKey())) {
                    p[0] = r.getValue();
                }
            });
        }
        for (Map.Entry<String, String> r : replaceQuery) {
            params.forEach(p -> {
                if (p[0].equals(r.getKey())) {
                    p[1] = r.getValue();
                }
            });
        }
        for (Map.Entry<String, String> a : addQuery) {
            if (params.stream().noneMatch(p -> p[0].equals(a.getKey()))) {
                params.add(new String[] {a.getKey(), a.getValue()});
            }
        }
        for (Map.Entry<String, String> a : appendQuery) {
            params.add(new String[] {a.getKey(), a.getValue()});
        }
        StringBuilder sb = new StringBuilder();
        for (String[] p : params) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(p[0]);
            if (p[1] != null) {
                sb.append('=').append(p[1]);
            }
        }
        return sb.toString();
    }

    void apply(HttpHeaders h) {
        for (String name : remove) {
            h.remove(name);
        }
        for (Map.Entry<String, String> r : rename) {
            List<String> values = h.getAll(r.getKey());
            if (!values.isEmpty()) {
                h.remove(r.getKey());
                h.set(r.getValue(), values);
            }
        }
        for (Map.Entry<String, String> r : replace) {
            if (h.contains(r.getKey())) {
                h.set(r.getKey(), r.getValue());
            }
        }
        for (Map.Entry<String, String> a : add) {
            if (!h.contains(a.getKey())) {
                h.set(a.getKey(), a.getValue());
            }
        }
        for (Map.Entry<String, String> a : append) {
            h.add(a.getKey(), a.getValue());
        }
    }
}
