package dev.gatehouse.proxy;

import dev.gatehouse.config.model.HashKeySpec;
import dev.gatehouse.observe.Tracing;
import dev.gatehouse.plugin.api.AttrKey;
import dev.gatehouse.plugin.api.ExchangeSummary;
import dev.gatehouse.plugin.api.TlsInfo;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BodyTransformer;
import dev.gatehouse.plugin.runtime.PluginChain;
import dev.gatehouse.plugin.runtime.ResponseBodyPipeline;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayDeque;
import dev.gatehouse.routing.RoutableRequest;
import dev.gatehouse.runtime.RouteEntry;
import dev.gatehouse.runtime.Snapshot;
import dev.gatehouse.upstream.Endpoint;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import org.jspecify.annotations.Nullable;

/**
 * The state of one request, from its head to its log line: the one per-request object. Touched only on the
 * client connection's event loop.
 */
final class Exchange implements RoutableRequest, PluginExchange, ResponseBodyPipeline.Owner {

    final Snapshot snapshot;
    final HttpRequest request;
    /** The client connection's event loop, which runs everything of this exchange. */
    final EventLoop loop;
    final String requestId;
    /** The connection's peer address. */
    final String clientIp;
    /** The client as the gateway believes it: the peer, or the address a trusted proxy forwarded for. */
    String realIp;
    final long startNanos = System.nanoTime();
    final long startMillis = System.currentTimeMillis();
    /** Captured before the head is rewritten for the upstream, for the access log. */
    final String originalUri;
    final String protocol;
    final String method;
    final boolean clientKeepAlive;
    final boolean http10;
    final boolean head;
    final @Nullable String userAgent;
    final @Nullable String referer;

    String host = "";
    String path = "/";
    @Nullable String query;
    @Nullable RouteEntry route;
    int matchedLength;
    long maxBodySize;

    boolean requestComplete;
    long requestBodyBytes;
    /** The gateway answered this request itself; remaining body chunks are dropped. */
    boolean answeredLocally;
    boolean responseStarted;
    /** The log phase ran (metrics, access log, plugins' onComplete): it runs once. */
    boolean logged;
    /** The client was answered by a plugin; the upstream exchange that goes on is a background refresh. */
    boolean detached;
    /** The response has no body for the client (HEAD, 204, 304), whatever the plugins' body steps produce. */
    boolean bodyless;
    int status;
    long bytesSent;
    @Nullable Endpoint endpoint;
    int upstreamAttempts;
    long upstreamStartNanos;
    long upstreamHeadNanos;
    /** The status of the upstream response relayed to the client, or 0 when none was. */
    int upstreamStatus;
    /** The W3C trace id of this request, when tracing is on or the client sent one; else null. */
    @Nullable String traceId;
    /** The connection's TLS facts, or null on a plain connection. */
    @Nullable TlsInfo tls;
    /** When the client's deadline passes ({@code grpc-timeout}), in nanoTime; 0 for none. */
    long deadlineNanos;
    /** A gRPC request ({@code content-type: application/grpc...}): the gateway's own errors are gRPC statuses. */
    boolean grpc;
    /** The protocol the client asked to upgrade to ({@code websocket}), or null. */
    @Nullable String upgrade;
    /** The gateway's span of this request, when tracing is on. */
    Tracing.@Nullable RequestSpan span;
    /** Request body chunks that arrived while plugins were deciding (asynchronously); owned here. */
    @Nullable ArrayDeque<HttpContent> heldBody;
    /** Plugins are still deciding: the request is not sent upstream yet. */
    boolean pluginsPending;
    /** Plugin attributes as key, value, key, value...: a request has a handful, found faster by a scan than a map. */
    private @Nullable Object[] attributes;
    private int attributeCount;
    /** The response body's transformers and watchers, when plugins set some; else null (the bytes pass as they are). */
    @Nullable ResponseBodyPipeline responseBody;
    /** Seconds for a {@code Retry-After} header on a local reply, or 0 for none. */
    long retryAfterSeconds;
    /** The circuit breaker that refused this request, for the {@code x-gatehouse-overflow} header; or null. */
    @Nullable String overflow;

    /**
     * @param http2 the request came on an HTTP/2 stream (Netty presents it as an HTTP/1.1 message; the access log
     *     says {@code HTTP/2.0}, as nginx's {@code $server_protocol} does)
     */
    Exchange(Snapshot snapshot, HttpRequest request, String clientIp, EventLoop loop, boolean http2) {
        this.snapshot = snapshot;
        this.loop = loop;
        this.request = request;
        HttpHeaders h = request.headers();
        String incomingId = h.get(LocalReply.REQUEST_ID);
        this.requestId = incomingId == null || incomingId.isEmpty() || incomingId.length() > 200
                ? RequestIds.next() : incomingId;
        this.clientIp = clientIp;
        this.realIp = clientIp;
        this.originalUri = request.uri();
        this.protocol = http2 ? "HTTP/2.0" : request.protocolVersion().text();
        this.method = request.method().name();
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.http10 = request.protocolVersion().minorVersion() == 0;
        this.head = "HEAD".equals(method);
        this.userAgent = h.get(HttpHeaderNames.USER_AGENT);
        this.referer = h.get(HttpHeaderNames.REFERER);
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public @Nullable String header(String lowerCaseName) {
        return request.headers().get(lowerCaseName);
    }

    @Override
    public @Nullable String queryParam(String name) {
        String q = query;
        if (q == null) {
            return null;
        }
        int i = 0;
        int n = q.length();
        while (i <= n) {
            int amp = q.indexOf('&', i);
            int end = amp < 0 ? n : amp;
            int nameEnd = end - i >= name.length() ? i + name.length() : -1;
            if (nameEnd > 0 && q.startsWith(name, i) && (nameEnd == end || q.charAt(nameEnd) == '=')) {
                return nameEnd == end ? "" : q.substring(nameEnd + 1, end);
            }
            if (amp < 0) {
                break;
            }
            i = amp + 1;
        }
        return null;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public String clientIp() {
        return realIp;
    }

    @Override
    public HttpHeaders requestHeaders() {
        return request.headers();
    }

    @Override
    public String routeName() {
        return route == null ? "" : route.name();
    }

    @Override
    public String serviceName() {
        return route == null ? "" : route.service().name();
    }

    @Override
    public @Nullable String queryString() {
        return query;
    }

    @Override
    public void queryString(@Nullable String newQuery) {
        this.query = newQuery == null || newQuery.isEmpty() ? null : newQuery;
    }

    @Override
    public void limitRequestBody(long maxBytes) {
        if (maxBytes > 0 && (maxBodySize <= 0 || maxBytes < maxBodySize)) {
            maxBodySize = maxBytes;
        }
    }

    @Override
    public @Nullable TlsInfo tls() {
        return tls;
    }

    @Override
    public ExchangeSummary summary() {
        return new ExchangeSummary(startMillis, originalUri, protocol, requestBodyBytes, bytesSent,
                endpoint == null ? null : endpoint.authority(), upstreamStatus, upstreamAttempts,
                (System.nanoTime() - startNanos) / 1000,
                upstreamHeadNanos == 0 ? -1 : (upstreamHeadNanos - upstreamStartNanos) / 1000,
                upstreamStartNanos == 0 ? -1 : (upstreamStartNanos - startNanos) / 1000, traceId);
    }

    @Override
    public void transformResponseBody(BodyTransformer transformer) {
        responseBodyPipeline().add(transformer);
    }

    @Override
    public ResponseBodyPipeline responseBodyPipeline() {
        ResponseBodyPipeline p = responseBody;
        if (p == null) {
            p = new ResponseBodyPipeline(this);
            responseBody = p;
        }
        return p;
    }

    @Override
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    @Override
    public java.util.concurrent.ScheduledExecutorService executor() {
        return loop;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T attribute(AttrKey<T> key) {
        Object[] a = attributes;
        for (int i = 0; i < attributeCount; i += 2) {
            if (a[i] == key) {
                return (T) a[i + 1];
            }
        }
        return null;
    }

    @Override
    public <T> void attribute(AttrKey<T> key, T value) {
        Object[] a = attributes;
        for (int i = 0; i < attributeCount; i += 2) {
            if (a[i] == key) {
                a[i + 1] = value;
                return;
            }
        }
        if (a == null) {
            a = new Object[8];
            attributes = a;
        } else if (attributeCount == a.length) {
            a = java.util.Arrays.copyOf(a, a.length * 2);
            attributes = a;
        }
        a[attributeCount] = key;
        a[attributeCount + 1] = value;
        attributeCount += 2;
    }

    /** The plugins of the matched route (none before routing). */
    PluginChain plugins() {
        return route == null ? PluginChain.EMPTY : route.plugins();
    }

    /** The value of a consistent-hash key source in this request, or null when the request lacks it. */
    @Nullable String hashKey(HashKeySpec key) {
        return switch (key.source()) {
            case IP -> realIp;
            case PATH -> path;
            case HEADER -> header(key.name());
            case QUERY -> queryParam(key.name());
            case COOKIE -> cookie(key.name());
        };
    }

    @Override
    public @Nullable String cookie(String name) {
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    return pair.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }

    /** The request's status for the log: what was sent, or 499 when the client left before a response. */
    int loggedStatus() {
        return responseStarted ? status : 499;
    }
}
