package dev.gatehouse.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The header rules of a proxy hop (RFC 9110 section 7.6.1): hop-by-hop fields are removed in both directions,
 * and the {@code X-Forwarded-*} family is set on the way up.
 */
final class HeaderRules {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    static final AsciiString HTTP = AsciiString.cached("http");
    static final AsciiString HTTPS = AsciiString.cached("https");

    private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");

    /**
     * {@code websocket} when the request asks for a WebSocket upgrade ({@code Connection: upgrade} and
     * {@code Upgrade: websocket} on a GET), else null: other upgrades are not forwarded.
     */
    static @org.jspecify.annotations.Nullable String websocketUpgrade(io.netty.handler.codec.http.HttpRequest r) {
        HttpHeaders h = r.headers();
        if (!r.method().equals(io.netty.handler.codec.http.HttpMethod.GET)
                || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                || !WEBSOCKET.contentEqualsIgnoreCase(h.get(HttpHeaderNames.UPGRADE, ""))) {
            return null;
        }
        return "websocket";
    }

    /** Puts back what hop-by-hop removal took from an upgrade: {@code Connection: upgrade} and {@code Upgrade}. */
    static void keepUpgrade(HttpHeaders h, String protocol) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, protocol);
    }

    private HeaderRules() {
    }

    /** Removes the fixed hop-by-hop fields and every field that {@code Connection} names. */
    static void removeHopByHop(HttpHeaders h) {
        if (h.contains(HttpHeaderNames.CONNECTION)) {
            List<String> connection = h.getAll(HttpHeaderNames.CONNECTION);
            for (int i = 0; i < connection.size(); i++) {
                for (String token : connection.get(i).split(",")) {
                    String name = token.trim();
                    if (!name.isEmpty()) {
                        h.remove(name);
                    }
                }
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRAILER);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
        h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        h.remove(PROXY_CONNECTION);
    }

    /**
     * Rewrites a request head for the upstream, in place.
     *
     * @param trusted the client is a trusted proxy: its {@code X-Forwarded-*} values are kept and appended to
     * @param preservedHost the client's {@code Host} to keep, or null when the relay sets the target's
     */
    static void toUpstream(HttpHeaders h, boolean chunked, String clientIp, boolean trusted,
            @org.jspecify.annotations.Nullable String preservedHost, int listenerPort, String requestId,
            boolean secure) {
        String originalHost = h.get(HttpHeaderNames.HOST);
        removeHopByHop(h);
        h.remove(HttpHeaderNames.EXPECT);
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (preservedHost != null) {
            h.set(HttpHeaderNames.HOST, preservedHost);
        }
        String xff = trusted ? h.get(X_FORWARDED_FOR) : null;
        h.set(X_FORWARDED_FOR, xff == null || xff.isEmpty() ? clientIp : xff + ", " + clientIp);
        if (!trusted || !h.contains(X_FORWARDED_PROTO)) {
            h.set(X_FORWARDED_PROTO, secure ? HTTPS : HTTP);
        }
        if (!trusted || !h.contains(X_FORWARDED_HOST)) {
            if (originalHost != null) {
                h.set(X_FORWARDED_HOST, originalHost);
            } else {
                h.remove(X_FORWARDED_HOST);
            }
        }
        if (!trusted || !h.contains(X_FORWARDED_PORT)) {
            h.setInt(X_FORWARDED_PORT, listenerPort);
        }
        if (!trusted || !h.contains(X_REAL_IP)) {
            h.set(X_REAL_IP, clientIp);
        }
        h.set(LocalReply.REQUEST_ID, requestId);
    }

    /**
     * Rewrites a response head for the client, in place: hop-by-hop fields go, the framing is chosen for the
     * client's protocol version, and {@code Connection} says whether the connection stays open.
     *
     * @return whether the client connection can stay open after this response
     */
    static boolean toClient(HttpResponse r, boolean keepAlive, boolean http10, boolean bodyless) {
        return frame(r, keepAlive, http10, bodyless, stripHopByHop(r));
    }

    /**
     * The first half of {@link #toClient}, before the response plugins see the head: hop-by-hop fields go.
     *
     * @return whether the upstream sent the body chunked
     */
    static boolean stripHopByHop(HttpResponse r) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(r);
        removeHopByHop(r.headers());
        return chunked;
    }

    /** The second half of {@link #toClient}, after the plugins: framing and {@code Connection}. */
    static boolean frame(HttpResponse r, boolean keepAlive, boolean http10, boolean bodyless,
            boolean upstreamChunked) {
        HttpHeaders h = r.headers();
        boolean hasLength = h.contains(HttpHeaderNames.CONTENT_LENGTH);
        if (!bodyless && !hasLength) {
            if (http10) {
                // An HTTP/1.0 client cannot read chunks: the end of the body is the end of the connection.
                keepAlive = false;
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else if (bodyless && upstreamChunked && !hasLength) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return keepAlive;
    }
}
