package dev.gatehouse.plugins.cache;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * RFC 9111 as a shared cache applies it: whether a response may be stored (section 3), its freshness lifetime and
 * age (section 4.2), and the stored entry after a 304 (section 4.3.4).
 */
final class CachePolicy {

    /** Status codes that are heuristically cacheable (RFC 9110, section 15.1). */
    private static final Set<Integer> HEURISTIC_STATUSES = Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410,
            414, 501);
    /** Fields a cache does not store: hop-by-hop ones (RFC 9111, section 3.1) and those the gateway sets itself. */
    private static final Set<String> NOT_STORED = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization", "age",
            "x-request-id");

    private final boolean honourCacheControl;
    private final long defaultTtlMs;
    private final boolean heuristic;
    private final long heuristicMaxMs;
    private final long keepStaleMs;
    private final Set<Integer> statuses;
    private final List<String> contentTypes;
    private final @Nullable String statusHeader;

    CachePolicy(boolean honourCacheControl, long defaultTtlMs, boolean heuristic, long heuristicMaxMs,
            long keepStaleMs, Set<Integer> statuses, List<String> contentTypes, @Nullable String statusHeader) {
        this.honourCacheControl = honourCacheControl;
        this.defaultTtlMs = defaultTtlMs;
        this.heuristic = heuristic;
        this.heuristicMaxMs = heuristicMaxMs;
        this.keepStaleMs = keepStaleMs;
        this.statuses = statuses;
        this.contentTypes = contentTypes;
        this.statusHeader = statusHeader == null ? null : statusHeader.toLowerCase(Locale.ROOT);
    }

    /** Why a response is not stored, or null when it may be (given the request's own directives). */
    @Nullable String refusal(HttpResponse response, CacheControl request, boolean authorized) {
        HttpHeaders h = response.headers();
        if (!statuses.contains(response.status().code())) {
            return "status";
        }
        if (varyStar(h)) {
            return "vary *";
        }
        if (h.contains(HttpHeaderNames.SET_COOKIE)) {
            // a shared cache could store it, but handing one client's cookie to the next is how sessions leak;
            // nginx refuses these too
            return "set-cookie";
        }
        if (!contentTypes.isEmpty() && !typeListed(h.get(HttpHeaderNames.CONTENT_TYPE))) {
            return "content type";
        }
        if (!honourCacheControl) {
            return null;
        }
        CacheControl cc = CacheControl.parse(h.getAll(HttpHeaderNames.CACHE_CONTROL));
        if (request.noStore() || cc.noStore()) {
            return "no-store";
        }
        if (cc.isPrivate()) {
            return "private";
        }
        if (authorized && !cc.isPublic() && cc.sMaxAge() < 0 && !cc.mustRevalidate()) {
            return "authorization";
        }
        return null;
    }

    /**
     * The entry for a response; null when it has neither a freshness lifetime nor a validator to revalidate with
     * (storing it would serve nobody).
     */
    @Nullable CachedResponse entry(HttpResponse response, byte[] body, long requestTime,
            long responseTime, HttpHeaders request) {
        List<String> headers = new ArrayList<>(response.headers().size() * 2);
        for (var e : response.headers()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (!NOT_STORED.contains(name) && !name.equals(statusHeader)) {
                headers.add(e.getKey());
                headers.add(e.getValue());
            }
        }
        return entry(response.status().code(), headers, body, requestTime, responseTime, response.headers(),
                request);
    }

    private @Nullable CachedResponse entry(int status, List<String> headers, byte[] body,
            long requestTime, long responseTime, HttpHeaders h, HttpHeaders request) {
        CacheControl cc = honourCacheControl ? CacheControl.parse(h.getAll(HttpHeaderNames.CACHE_CONTROL))
                : CacheControl.NONE;
        long date = time(h.get(HttpHeaderNames.DATE), responseTime);
        long ageValue = honourCacheControl ? seconds(h.get(HttpHeaderNames.AGE)) * 1000 : 0;
        long apparentAge = Math.max(0, responseTime - date);
        long correctedAge = ageValue + (responseTime - requestTime);
        long initialAge = Math.max(apparentAge, correctedAge);
        long lifetime = lifetime(status, cc, h, date);
        boolean validator = h.contains(HttpHeaderNames.ETAG) || h.contains(HttpHeaderNames.LAST_MODIFIED);
        if (lifetime <= 0 && !validator) {
            return null;
        }
        List<String> varyNames = varyNames(h);
        List<String> varyValues = varyNames.stream().map(n -> CachedResponse.normalized(request, n)).toList();
        List<String> stored = List.copyOf(headers);
        return new CachedResponse(status, stored, body, requestTime, responseTime, initialAge,
                Math.max(0, lifetime), millis(cc.staleWhileRevalidate()), millis(cc.staleIfError()),
                cc.mustRevalidate() || cc.proxyRevalidate() || cc.sMaxAge() >= 0, cc.noCache(),
                cc.isPublic() || cc.sMaxAge() >= 0 || cc.mustRevalidate(), varyNames, varyValues,
                CachedResponse.head(stored));
    }

    /**
     * The stored entry freshened by a 304 (section 4.3.4): the 304's fields replace the stored ones of the same
     * name, and age and lifetime start again from this exchange.
     */
    CachedResponse freshen(CachedResponse stored, HttpResponse notModified, long requestTime, long responseTime,
            HttpHeaders request) {
        HttpHeaders merged = new io.netty.handler.codec.http.DefaultHttpHeaders();
        List<String> s = stored.headers();
        for (int i = 0; i < s.size(); i += 2) {
            merged.add(s.get(i), s.get(i + 1));
        }
        for (String name : notModified.headers().names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!NOT_STORED.contains(lower) && !lower.equals(statusHeader) && !lower.equals("content-length")) {
                merged.set(name, notModified.headers().getAll(name));
            }
        }
        List<String> headers = new ArrayList<>(merged.size() * 2);
        for (var e : merged) {
            headers.add(e.getKey());
            headers.add(e.getValue());
        }
        CachedResponse fresh = entry(stored.status(), headers, stored.body(), requestTime,
                responseTime, merged, request);
        return fresh != null ? fresh : stored;
    }

    /** How long storage keeps an entry: while it may be served, or revalidated when it has a validator. */
    long retentionMs(CachedResponse r) {
        long servable = r.freshnessMs() + Math.max(0, Math.max(r.staleWhileRevalidateMs(), r.staleIfErrorMs()))
                - r.initialAgeMs();
        boolean validator = r.header("etag") != null || r.header("last-modified") != null;
        return Math.max(servable, validator ? r.freshnessMs() - r.initialAgeMs() + keepStaleMs : 0);
    }

    private long lifetime(int status, CacheControl cc, HttpHeaders h, long date) {
        if (honourCacheControl) {
            if (cc.sMaxAge() >= 0) {
                return cc.sMaxAge() * 1000;
            }
            if (cc.maxAge() >= 0) {
                return cc.maxAge() * 1000;
            }
            String expires = h.get(HttpHeaderNames.EXPIRES);
            if (expires != null) {
                // an invalid Expires (such as "0") means already expired (section 5.3)
                long at = time(expires, Long.MIN_VALUE);
                return at == Long.MIN_VALUE ? 0 : Math.max(0, at - date);
            }
            String lastModified = h.get(HttpHeaderNames.LAST_MODIFIED);
            if (heuristic && lastModified != null && (HEURISTIC_STATUSES.contains(status) || cc.isPublic())) {
                long modified = time(lastModified, Long.MIN_VALUE);
                if (modified != Long.MIN_VALUE && modified < date) {
                    // the customary 10% of the time since the last modification (section 4.2.2)
                    return Math.min((date - modified) / 10, heuristicMaxMs);
                }
            }
        }
        return defaultTtlMs;
    }

    static boolean varyStar(HttpHeaders h) {
        for (String v : h.getAll(HttpHeaderNames.VARY)) {
            for (String f : v.split(",")) {
                if (f.trim().equals("*")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> varyNames(HttpHeaders h) {
        List<String> names = new ArrayList<>();
        for (String v : h.getAll(HttpHeaderNames.VARY)) {
            for (String f : v.split(",")) {
                String n = f.trim().toLowerCase(Locale.ROOT);
                if (!n.isEmpty() && !names.contains(n)) {
                    names.add(n);
                }
            }
        }
        return List.copyOf(names);
    }

    private boolean typeListed(@Nullable String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        for (String listed : contentTypes) {
            if (type.startsWith(listed)) {
                return true;
            }
        }
        return false;
    }

    static long time(@Nullable String httpDate, long fallback) {
        if (httpDate == null) {
            return fallback;
        }
        Date d = DateFormatter.parseHttpDate(httpDate);
        return d == null ? fallback : d.getTime();
    }

    private static long seconds(@Nullable String value) {
        if (value == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long millis(long seconds) {
        return seconds < 0 ? -1 : seconds * 1000;
    }
}
