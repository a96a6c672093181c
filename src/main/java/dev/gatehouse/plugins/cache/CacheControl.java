package dev.gatehouse.plugins.cache;

import java.util.List;
import java.util.Locale;

/**
 * The {@code Cache-Control} directives a shared cache acts on (RFC 9111, section 5.2), from every
 * {@code Cache-Control} field of a request or a response. Delta-seconds are -1 when absent; a malformed value
 * counts as absent, except for {@code max-age}, where it makes the response stale (section 4.2.1).
 */
record CacheControl(long maxAge, long sMaxAge, long maxStale, long minFresh, long staleWhileRevalidate,
        long staleIfError, boolean noStore, boolean noCache, boolean isPrivate, boolean isPublic,
        boolean mustRevalidate, boolean proxyRevalidate, boolean onlyIfCached) {

    static final CacheControl NONE = new CacheControl(-1, -1, -1, -1, -1, -1, false, false, false, false, false,
            false, false);

    /** {@code max-stale} without a value: any staleness. */
    static final long ANY = Long.MAX_VALUE;

    static CacheControl parse(List<String> fields) {
        if (fields.isEmpty()) {
            return NONE;
        }
        long maxAge = -1;
        long sMaxAge = -1;
        long maxStale = -1;
        long minFresh = -1;
        long swr = -1;
        long sie = -1;
        boolean noStore = false;
        boolean noCache = false;
        boolean priv = false;
        boolean pub = false;
        boolean mustRevalidate = false;
        boolean proxyRevalidate = false;
        boolean onlyIfCached = false;
        for (String field : fields) {
            for (String directive : splitOutsideQuotes(field)) {
                String d = directive.trim();
                if (d.isEmpty()) {
                    continue;
                }
                int eq = d.indexOf('=');
                String name = (eq < 0 ? d : d.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                String value = eq < 0 ? null : unquote(d.substring(eq + 1).trim());
                switch (name) {
                    case "max-age" -> maxAge = seconds(value, 0);
                    case "s-maxage" -> sMaxAge = seconds(value, 0);
                    case "max-stale" -> maxStale = value == null ? ANY : seconds(value, -1);
                    case "min-fresh" -> minFresh = seconds(value, -1);
                    case "stale-while-revalidate" -> swr = seconds(value, -1);
                    case "stale-if-error" -> sie = seconds(value, -1);
                    case "no-store" -> noStore = true;
                    // a qualified no-cache (no-cache="set-cookie") is treated as unqualified: the safe reading
                    case "no-cache" -> noCache = true;
                    // likewise a qualified private: a shared cache does not store the response
                    case "private" -> priv = true;
                    case "public" -> pub = true;
                    case "must-revalidate" -> mustRevalidate = true;
                    case "proxy-revalidate" -> proxyRevalidate = true;
                    case "only-if-cached" -> onlyIfCached = true;
                    default -> {
                        // extensions a cache does not understand are ignored (section 5.2.3)
                    }
                }
            }
        }
        return new CacheControl(maxAge, sMaxAge, maxStale, minFresh, swr, sie, noStore, noCache, priv, pub,
                mustRevalidate, proxyRevalidate, onlyIfCached);
    }

    /** Delta-seconds (section 1.2.2); {@code malformed} for anything else; huge values are capped. */
    private static long seconds(String value, long malformed) {
        if (value == null || value.isEmpty()) {
            return malformed;
        }
        for (int i = 0; i < value.length(); i++) {
            if (!Character.isDigit(value.charAt(i))) {
                return malformed;
            }
        }
        return value.length() > 10 ? 2_147_483_648L : Long.parseLong(value);
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    private static List<String> splitOutsideQuotes(String field) {
        if (field.indexOf('"') < 0) {
            return List.of(field.split(","));
        }
        List<String> parts = new java.util.ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                parts.add(field.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(field.substring(start));
        return parts;
    }
}
