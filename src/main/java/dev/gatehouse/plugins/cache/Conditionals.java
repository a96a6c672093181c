package dev.gatehouse.plugins.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** A client's own conditional GET against a stored response (RFC 9110, sections 13.1.2 and 13.1.3). */
final class Conditionals {

    private Conditionals() {
    }

    /** True when the stored response answers the request's condition with 304 Not Modified. */
    static boolean notModified(HttpHeaders request, CachedResponse stored) {
        String inm = request.get(HttpHeaderNames.IF_NONE_MATCH);
        if (inm != null) {
            // If-None-Match wins over If-Modified-Since; weak comparison
            String etag = stored.header("etag");
            if (inm.trim().equals("*")) {
                return true;
            }
            if (etag == null) {
                return false;
            }
            String mine = opaque(etag);
            for (String candidate : inm.split(",")) {
                if (opaque(candidate).equals(mine)) {
                    return true;
                }
            }
            return false;
        }
        String ims = request.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ims == null) {
            return false;
        }
        long since = CachePolicy.time(ims, Long.MIN_VALUE);
        String lastModified = stored.header("last-modified");
        long modified = CachePolicy.time(lastModified != null ? lastModified : stored.header("date"), Long.MAX_VALUE);
        return since != Long.MIN_VALUE && modified != Long.MAX_VALUE && modified <= since;
    }

    private static String opaque(String tag) {
        String t = tag.trim();
        return t.startsWith("W/") ? t.substring(2) : t;
    }
}
