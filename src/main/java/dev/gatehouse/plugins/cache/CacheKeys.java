package dev.gatehouse.plugins.cache;

import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.PluginExchange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Builds primary cache keys: {@code [scheme://][host]path[?query]#GET[#h:name=value...][#c:consumer]}. The URL part
 * comes first and ends at the first {@code #} (a request target has no fragment), so purges by URL and by prefix read it back.
 * A HEAD request uses its GET's key: a stored GET answers it (as nginx's proxy_cache_convert_head).
 */
final class CacheKeys {

    /**
     * What the key is made of.
     *
     * @param queryParams when not empty, only these query parameters (sorted); else the whole query, sorted
     * @param headers request headers whose values become part of the key
     * @param consumer the authenticated consumer's username
     */
    record Spec(boolean scheme, boolean host, boolean query, List<String> queryParams, List<String> headers,
            boolean consumer) {
        public static final Spec DEFAULTS = new Spec(true, true, true, List.of(), List.of(), false);
    }

    private final Spec spec;
    private final List<String> headerNames;

    CacheKeys(Spec spec) {
        this.spec = spec;
        this.headerNames = spec.headers().stream().map(h -> h.toLowerCase(Locale.ROOT)).sorted().toList();
    }

    String of(PluginExchange ex) {
        return of(ex, ex.path(), ex.queryString(), ex.host(), ex.scheme());
    }

    /** The key of another URL of the same host as {@code ex} (for invalidation by Location). */
    String of(PluginExchange ex, String path, @Nullable String query, String host, String scheme) {
        StringBuilder sb = new StringBuilder(64 + path.length());
        if (spec.scheme()) {
            sb.append(scheme).append("://");
        }
        if (spec.host()) {
            sb.append(host);
        }
        sb.append(path);
        String q = spec.query() ? sortedQuery(query) : null;
        if (q != null && !q.isEmpty()) {
            sb.append('?').append(q);
        }
        // the method is always GET: only GET responses are stored, and a HEAD is answered from its GET's entry
        sb.append("#GET");
        for (String name : headerNames) {
            String v = ex.requestHeaders().get(name);
            sb.append("#h:").append(name).append('=').append(v == null ? "" : v);
        }
        if (spec.consumer()) {
            Consumer c = ex.attribute(Consumer.ATTRIBUTE);
            sb.append("#c:").append(c == null ? "" : c.username());
        }
        return sb.toString();
    }

    private @Nullable String sortedQuery(@Nullable String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        String[] params = query.split("&");
        List<String> kept = new ArrayList<>(params.length);
        for (String p : params) {
            if (p.isEmpty()) {
                continue;
            }
            if (spec.queryParams().isEmpty()) {
                kept.add(p);
            } else {
                int eq = p.indexOf('=');
                if (spec.queryParams().contains(eq < 0 ? p : p.substring(0, eq))) {
                    kept.add(p);
                }
            }
        }
        String[] sorted = kept.toArray(String[]::new);
        Arrays.sort(sorted);
        return String.join("&", sorted);
    }

    /** The URL part of a key: what purges by URL and prefix compare. */
    static String urlPart(String key) {
        int end = key.indexOf('#');
        return end < 0 ? key : key.substring(0, end);
    }
}
