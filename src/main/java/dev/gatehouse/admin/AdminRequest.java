package dev.gatehouse.admin;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One Admin API call, copied off the Netty request so it can be handled on the admin thread.
 *
 * @param segments the decoded path segments ({@code /services/a/routes} → services, a, routes)
 */
record AdminRequest(String method, List<String> segments, Map<String, List<String>> query,
        @Nullable String authorization, @Nullable String contentType, byte[] body) {

    static AdminRequest of(String method, String uri, @Nullable String authorization, @Nullable String contentType,
            byte[] body) {
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        List<String> segments = java.util.Arrays.stream(decoder.path().split("/"))
                .filter(s -> !s.isEmpty())
                .map(s -> QueryStringDecoder.decodeComponent(s))
                .toList();
        return new AdminRequest(method, segments, decoder.parameters(), authorization, contentType, body);
    }

    @Nullable String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    String path() {
        return "/" + String.join("/", segments);
    }
}
