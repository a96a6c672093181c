package dev.gatehouse.plugins.transform;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Header operations, applied in Kong's order: remove, rename, replace (only present headers), add (only absent
 * ones), append (always). Shared by the request and response transformers. Immutable.
 */
final class HeaderTransform {

    /** The {@code headers:} list of one operation. */
    public record Ops(List<String> headers) {
        public static final Ops DEFAULTS = new Ops(List.of());
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

    /** @throws IllegalArgumentException for an entry that is not {@code name:value} where one is expected */
    HeaderTransform(Config config) {
        this.remove = List.copyOf(config.remove().headers());
        this.rename = pairs("rename", config.rename());
        this.replace = pairs("replace", config.replace());
        this.add = pairs("add", config.add());
        this.append = pairs("append", config.append());
    }

    private static List<Map.Entry<String, String>> pairs(String op, Ops ops) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String entry : ops.headers()) {
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(op + ".headers: '" + entry + "' (expected: name:value)");
            }
            out.add(Map.entry(entry.substring(0, colon).trim(), entry.substring(colon + 1).trim()));
        }
        return List.copyOf(out);
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
