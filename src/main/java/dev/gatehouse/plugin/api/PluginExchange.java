package dev.gatehouse.plugin.api;

import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/**
 * A plugin's view of one request. Every method is called on the request's event loop; none blocks.
 */
public interface PluginExchange {

    /** The request id, also in error bodies and the access log. */
    String requestId();

    /** The client's address, as the gateway sees it. */
    String clientIp();

    /** The method, upper case. */
    String method();

    /** The path as the client sent it, without the query string. */
    String path();

    /** The Host, lower case, without port. */
    String host();

    /** The first value of a query parameter (not decoded), or null. */
    @Nullable String queryParam(String name);

    /** The raw query string (without {@code ?}, not decoded), or null when the request has none. */
    @Nullable String queryString();

    /** Replaces the query string the upstream receives (raw, already encoded); null or "" removes it. */
    void queryString(@Nullable String query);

    /** A cookie's value from the {@code Cookie} headers, or null. */
    @Nullable String cookie(String name);

    /**
     * The request headers. Changes made in the request phase are what the upstream receives (after the gateway's
     * own hop-by-hop and {@code X-Forwarded-*} rules).
     */
    HttpHeaders requestHeaders();

    /** The name of the matched route. */
    String routeName();

    /** The name of the route's service. */
    String serviceName();

    /**
     * Lowers the request body limit of this request to {@code maxBytes} (never raises it). A body that grows past it
     * while streaming is answered 413 (or cut, once the response began), as the listener's own limit is.
     */
    void limitRequestBody(long maxBytes);

    /**
     * The request's event loop, for timers (a token bucket's queue, a wait with a timeout). Tasks run on it must
     * not block; they may complete an {@link Outcome.Await}.
     */
    java.util.concurrent.ScheduledExecutorService executor();

    /** The connection's TLS facts (protocol, SNI, the client certificate), or null on a plain connection. */
    @Nullable TlsInfo tls();

    /**
     * Puts a transformer on this response's body; only from {@link Plugin#onResponseHeaders}. Transformers run in
     * the order of that phase (nearest the upstream first), and a plugin's {@link Plugin#onResponseBody} sees the
     * body as the transformers installed before it left it. The plugin fixes the headers the change affects
     * ({@code Content-Length}, {@code Content-Encoding}, {@code ETag}); without a {@code Content-Length} the gateway
     * sends the body chunked.
     */
    void transformResponseBody(BodyTransformer transformer);

    /** The scheme the client used: {@code http} or {@code https}. */
    String scheme();

    /** Timings, sizes and the upstream of this request so far; complete in {@link Plugin#onComplete}. */
    ExchangeSummary summary();

    <T> @Nullable T attribute(AttrKey<T> key);

    <T> void attribute(AttrKey<T> key, T value);
}
