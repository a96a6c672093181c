package dev.gatehouse.proxy;

import dev.gatehouse.config.model.ListenerLimits;
import dev.gatehouse.routing.RouteMatch;
import dev.gatehouse.runtime.RouteEntry;
import dev.gatehouse.runtime.Snapshot;
import dev.gatehouse.observe.AccessLog;
import dev.gatehouse.observe.Metrics;
import dev.gatehouse.observe.Tracing;
import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.TlsInfo;
import dev.gatehouse.config.model.ListenerSpec;
import dev.gatehouse.plugin.runtime.PluginChain;
import dev.gatehouse.observe.AccessLogEntry;
import dev.gatehouse.plugin.runtime.ResponseBodyPipeline;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import dev.gatehouse.net.Cidr;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the proxy, one per client connection, last in its pipeline after the HTTP/1.1 codec.
 * Validates each request head, routes it, hands it to the {@link UpstreamRelay}, and writes the response
 * back. {@code AUTO_READ} is off: the client is read only when the upstream can take more, and requests
 * pipelined behind the current one wait in order. Confined to the connection's event loop.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {

    /** The HTTP/1.1 server codec's name in the connection pipeline (set by the server's initializer). */
    public static final String HTTP_CODEC = "http-server-codec";
    private static final io.netty.util.AsciiString TRACEPARENT = io.netty.util.AsciiString.cached("traceparent");
    private static final io.netty.util.AsciiString CLIENT_CERT =
            io.netty.util.AsciiString.cached("x-forwarded-client-cert");
    private static final io.netty.util.AsciiString STRICT_TRANSPORT_SECURITY =
            io.netty.util.AsciiString.cached("strict-transport-security");

    public static final String NAME = "proxy";
    /** Names the circuit breaker that refused a request (Envoy says x-envoy-overloaded). */
    static final String OVERFLOW_HEADER = "x-gatehouse-overflow";
    private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

    private final ProxyContext context;
    private final ClientTimer timer;
    private final ListenerLimits limits;
    private final int listenerPort;
    /** The listener as configured when the connection was accepted. */
    private final ListenerSpec listener;
    private final @Nullable String hsts;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable UpstreamRelay relay;
    private String clientIp = "-";
    private @Nullable InetSocketAddress clientAddress;

    private @Nullable Exchange exchange;
    /** Messages of requests that arrived behind the current one (HTTP pipelining), in order. */
    // small: pipelining is rare, and an HTTP/2 stream never pipelines (one handler per stream)
    private final ArrayDeque<HttpObject> pipelined = new ArrayDeque<>(2);
    private boolean drainingPipeline;
    private boolean closeAfterResponse;
    private boolean closed;
    private boolean activated;
    /** This handler serves one HTTP/2 stream (a child channel), not a connection. */
    private boolean http2Stream;

    public ProxyHandler(ProxyContext context, ClientTimer timer, ListenerLimits limits, int listenerPort,
            ListenerSpec listener) {
        this.listener = listener;
        this.hsts = listener.tls() == null || listener.tls().hsts() == null ? null
                : "max-age=" + listener.tls().hsts().toSeconds();
        this.context = context;
        this.timer = timer;
        this.limits = limits;
        this.listenerPort = listenerPort;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.http2Stream = ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel;
        this.relay = new UpstreamRelay(this, context.pools().pool(ctx.channel().eventLoop()));
        if (ctx.channel().isActive()) {
            // added after the protocol was chosen (ALPN, h2c detection): the connection is already active
            activate(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activate(ctx);
        ctx.fireChannelActive();
    }

    private void activate(ChannelHandlerContext ctx) {
        if (activated) {
            return;
        }
        activated = true;
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
            clientAddress = remote;
            clientIp = remote.getAddress().getHostAddress();
        }
        timer.phase(ClientPhase.AWAIT_REQUEST);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed || !(msg instanceof HttpObject http)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!pipelined.isEmpty() || (exchange != null && exchange.requestComplete)) {
            pipelined.add(http);
            return;
        }
        handle(http);
    }

    private void handle(HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            onRequestHead(request);
            if (msg instanceof HttpContent content) {
                // only an invalid request arrives whole; its failure was answered above
                content.release();
            }
        } else if (msg instanceof HttpContent content) {
            onRequestBody(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequestHead(HttpRequest request) {
        Snapshot snapshot = context.snapshots().current();
        Exchange ex = new Exchange(snapshot, request, clientIp, ctx.channel().eventLoop(), http2Stream);
        context.metrics().requestStarted();
        exchange = ex;
        if (request.decoderResult().isFailure()) {
            rejectMalformed(ex, request.decoderResult().cause());
            return;
        }
        HttpHeaders h = request.headers();
        if (h.size() > limits.maxHeaders()) {
            rejectAndClose(ex, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too_many_headers",
                    "the request has more than " + limits.maxHeaders() + " header fields");
            return;
        }
        if (!parseTarget(ex)) {
            return;
        }
        ex.realIp = realClientIp(ex, snapshot);
        trace(ex, h);
        ex.upgrade = http2Stream ? null : HeaderRules.websocketUpgrade(request);
        String contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType != null && contentType.startsWith("application/grpc")) {
            ex.grpc = true;
            long timeout = grpcTimeoutNanos(h.get("grpc-timeout"));
            if (timeout > 0) {
                ex.deadlineNanos = ex.startNanos + timeout;
            }
        }
        if (listener.httpRedirectPort() > 0) {
            redirectToHttps(ex);
            return;
        }
        if (listener.tls() != null) {
            TlsInfo tls = TlsFacts.of(ctx.channel());
            ex.tls = tls;
            // only the gateway says which client certificate it verified
            h.remove(CLIENT_CERT);
            if (tls != null && tls.clientFingerprint() != null && listener.tls().forwardClientCert()) {
                h.set(CLIENT_CERT, "Hash=" + tls.clientFingerprint() + ";Subject=\""
                        + tls.clientSubject().replace("\"", "\\\"") + "\"");
            }
        }
        if (request.method() == HttpMethod.CONNECT) {
            rejectAndClose(ex, HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "CONNECT is not supported");
            return;
        }
        RouteMatch<RouteEntry> match = snapshot.router().match(ex);
        if (match == null) {
            reject(ex, HttpResponseStatus.NOT_FOUND, "no_route", "no route matches the request");
            return;
        }
        RouteEntry route = match.route();
        ex.route = route;
        ex.matchedLength = match.matchedLength();
        ex.maxBodySize = route.clientMaxBodySize() >= 0 ? route.clientMaxBodySize() : limits.clientMaxBodySize();
        long contentLength = HttpUtil.getContentLength(request, -1L);
        if (ex.maxBodySize > 0 && contentLength > ex.maxBodySize) {
            reject(ex, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "the request body is larger than " + ex.maxBodySize + " bytes");
            return;
        }
        timer.phase(ClientPhase.READ_BODY);
        if (!h.contains(HttpHeaderNames.EXPECT) || validExpectation(h.get(HttpHeaderNames.EXPECT))) {
            PluginChain plugins = route.plugins();
            if (plugins.isEmpty()) {
                forward(ex);
            } else {
                ex.pluginsPending = true;
                plugins.runRequest(ex, ctx.executor(), outcome -> afterPlugins(ex, outcome));
            }
        } else {
            rejectAndClose(ex, HttpResponseStatus.EXPECTATION_FAILED, "expectation_failed",
                    "only the 100-continue expectation is supported");
        }
    }

    private static boolean validExpectation(String expect) {
        return HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim());
    }

    /** The request phase of the route's plugins ended: forward the request, or answer as a plugin said. */
    private void afterPlugins(Exchange ex, Outcome outcome) {
        if (exchange != ex || closed) {
            releaseHeld(ex);
            if (outcome instanceof Outcome.Send send) {
                send.response().release();
            }
            return;
        }
        ex.pluginsPending = false;
        if (outcome instanceof Outcome.Respond respond) {
            releaseHeld(ex);
            context.metrics().pluginAnswered(ex.route.name(), respond.code());
            reject(ex, HttpResponseStatus.valueOf(respond.status()), respond, respond.code(), respond.message());
            return;
        }
        if (outcome instanceof Outcome.Send send && send.refresh()) {
            sendThenRefresh(ex, send.response());
            return;
        }
        if (outcome instanceof Outcome.Send send) {
            releaseHeld(ex);
            ex.requestComplete = ex.requestComplete || !HttpUtil.isTransferEncodingChunked(ex.request)
                    && HttpUtil.getContentLength(ex.request, 0L) == 0;
            sendStored(ex, send.response());
            return;
        }
        forward(ex);
        sendHeldBody(ex);
    }

    /**
     * Answers with a plugin's stored response, then sends the request upstream anyway for the plugin's sake (a
     * background refresh): from here on the exchange is detached, its upstream response goes through the response
     * phases and nowhere else.
     */
    private void sendThenRefresh(Exchange ex, FullHttpResponse stored) {
        boolean keepAlive = keepAliveAfter(ex);
        writeHead(ex, stored, keepAlive);
        ctx.flush();
        if (exchange != ex) {
            return;
        }
        ResponseBodyPipeline body = ex.responseBody;
        if (body != null) {
            body.abandon();
            ex.responseBody = null;
        }
        ex.detached = true;
        forward(ex);
        sendHeldBody(ex);
    }

    /** Body chunks that arrived while plugins were deciding go upstream now. */
    private void sendHeldBody(Exchange ex) {
        ArrayDeque<HttpContent> held = ex.heldBody;
        if (held != null) {
            ex.heldBody = null;
            HttpContent chunk;
            while ((chunk = held.poll()) != null) {
                relay.sendBody(chunk);
            }
            relay.flushUpstream();
        }
    }

    private static void releaseHeld(Exchange ex) {
        ArrayDeque<HttpContent> held = ex.heldBody;
        if (held != null) {
            ex.heldBody = null;
            held.forEach(HttpContent::release);
        }
    }

    /** Rewrites the head for the upstream and hands the exchange to the relay. */
    private void forward(Exchange ex) {
        HttpRequest request = ex.request;
        HttpHeaders h = request.headers();
        RouteEntry route = ex.route;
        if (h.contains(HttpHeaderNames.EXPECT) && !ex.http10) {
            // the gateway asks for the body itself, as nginx does; the upstream never sees Expect
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        String upstreamHost = route.preserveHost() && h.contains(HttpHeaderNames.HOST)
                ? h.get(HttpHeaderNames.HOST) : null;
        boolean trusted = clientAddress != null && ex.snapshot.trusted(clientAddress.getAddress());
        String uri = RouteMatch.upstreamPath(route.service().basePath(), ex.path, ex.matchedLength,
                route.stripPath());
        if (ex.query != null) {
            uri = uri + "?" + ex.query;
        }
        request.setUri(uri);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        // the endpoint (and with it the default Host) is chosen by the relay; set Host there
        relay.start(ex, request, chunked, trusted, upstreamHost, listenerPort);
    }

    /** Splits the request target into host, path and query; answers 400 for a malformed one. */
    private boolean parseTarget(Exchange ex) {
        HttpRequest request = ex.request;
        String uri = request.uri();
        HttpHeaders h = request.headers();
        String hostHeader = h.get(HttpHeaderNames.HOST);
        if (h.getAll(HttpHeaderNames.HOST).size() > 1) {
            rejectAndClose(ex, HttpResponseStatus.BAD_REQUEST, "bad_request", "more than one Host header");
            return false;
        }
        if (hostHeader == null && !ex.http10) {
            rejectAndClose(ex, HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "HTTP/1.1 requests need a Host header");
            return false;
        }
        String pathAndQuery = uri;
        if (!uri.startsWith("/")) {
            String lower = uri.toLowerCase(Locale.ROOT);
            if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
                rejectAndClose(ex, HttpResponseStatus.BAD_REQUEST, "bad_request", "the request target is not a path");
                return false;
            }
            int authorityStart = lower.indexOf("//") + 2;
            int slash = uri.indexOf('/', authorityStart);
            String authority = uri.substring(authorityStart, slash < 0 ? uri.length() : slash);
            // RFC 9112 3.2.2: an absolute-form target overrides Host
            hostHeader = authority;
            h.set(HttpHeaderNames.HOST, authority);
            pathAndQuery = slash < 0 ? "/" : uri.substring(slash);
        }
        int fragment = pathAndQuery.indexOf('#');
        if (fragment >= 0) {
            pathAndQuery = pathAndQuery.substring(0, fragment);
        }
        int q = pathAndQuery.indexOf('?');
        ex.path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        ex.query = q < 0 ? null : pathAndQuery.substring(q + 1);
        ex.host = hostHeader == null ? "" : normalizeHost(hostHeader);
        return true;
    }

    /**
     * nginx's {@code real_ip_recursive}: when the peer is a trusted proxy, the client is the last address in
     * {@code X-Forwarded-For} that is not itself a trusted proxy.
     */
    private String realClientIp(Exchange ex, Snapshot snapshot) {
        if (clientAddress == null || !snapshot.trusted(clientAddress.getAddress())) {
            return ex.clientIp;
        }
        String xff = ex.request.headers().get(HeaderRules.X_FORWARDED_FOR);
        if (xff == null) {
            return ex.clientIp;
        }
        String[] hops = xff.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            Cidr literal = Cidr.parse(hop);
            if (literal == null) {
                break;
            }
            try {
                if (!snapshot.trusted(InetAddress.getByAddress(literal.network()))) {
                    return hop;
                }
            } catch (UnknownHostException e) {
                break;
            }
        }
        return ex.clientIp;
    }

    /** Lower case, without the port; {@code [v6]} keeps its brackets. */
    static String normalizeHost(String host) {
        int end = host.length();
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && host.indexOf(']') < colon) {
            end = colon;
        }
        String h = end == host.length() ? host : host.substring(0, end);
        for (int i = 0; i < h.length(); i++) {
            if (Character.isUpperCase(h.charAt(i))) {
                return h.toLowerCase(Locale.ROOT);
            }
        }
        return h;
    }

    private void onRequestBody(HttpContent content) {
        Exchange ex = exchange;
        if (ex == null || ex.requestComplete) {
            content.release();
            if (ex == null && http2Stream && !(content instanceof LastHttpContent)) {
                // the rest of a body answered locally: keep the stream's flow-control window moving
                ctx.read();
            }
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            ex.requestComplete = true;
            if (!ex.answeredLocally) {
                timer.phase(ClientPhase.AWAIT_RESPONSE);
            }
        }
        if (ex.answeredLocally) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            Throwable cause = content.decoderResult().cause();
            relay.abort();
            if (ex.responseStarted) {
                abortClient(ex);
            } else {
                rejectMalformed(ex, cause);
            }
            return;
        }
        ex.requestBodyBytes += content.content().readableBytes();
        if (ex.maxBodySize > 0 && ex.requestBodyBytes > ex.maxBodySize) {
            content.release();
            relay.abort();
            if (ex.responseStarted) {
                abortClient(ex);
            } else {
                reject(ex, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                        "the request body is larger than " + ex.maxBodySize + " bytes");
            }
            return;
        }
        PluginChain plugins = ex.plugins();
        if (plugins.watchesRequestBodies()) {
            Outcome verdict = plugins.runRequestBody(ex, content.content(), last);
            if (verdict instanceof Outcome.Respond respond) {
                content.release();
                relay.abort();
                releaseHeld(ex);
                if (ex.responseStarted) {
                    abortClient(ex);
                } else {
                    closeAfterResponse = true;
                    reject(ex, HttpResponseStatus.valueOf(respond.status()), respond, respond.code(),
                            respond.message());
                }
                return;
            }
        }
        if (ex.pluginsPending) {
            if (ex.heldBody == null) {
                ex.heldBody = new ArrayDeque<>(4);
            }
            ex.heldBody.add(content);
            return;
        }
        relay.sendBody(content);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        relay.flushUpstream();
        readMore();
    }

    /**
     * Reads from the client when the current state wants more bytes: the body, when the upstream can take it; once
     * the request is complete, the next request (kept in order behind this one) or the client's close. That read
     * stays pending while plugins decide and the upstream answers: stopping and restarting reads on every request
     * costs two epoll_ctl calls each.
     */
    void readMore() {
        if (closed || !pipelined.isEmpty()) {
            return;
        }
        Exchange ex = exchange;
        if (ex == null || ex.requestComplete || ex.answeredLocally || relay.acceptsBody()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            relay.resumeResponse();
        }
        ctx.fireChannelWritabilityChanged();
    }

    Channel channel() {
        return ctx.channel();
    }

    boolean clientWritable() {
        // a detached exchange writes nothing to the client: the upstream is read at its own pace
        Exchange ex = exchange;
        return ex != null && ex.detached || ctx.channel().isWritable();
    }

    void flushClient() {
        ctx.flush();
    }

    /**
     * Writes a response head from the upstream (with its body when it is a {@link FullHttpResponse}); the body's
     * chunks follow through {@link #writeResponseBody}.
     */
    void writeResponseHead(HttpResponse response) {
        Exchange ex = exchange;
        if (ex.detached) {
            HeaderRules.stripHopByHop(response);
            ex.plugins().runResponseHeaders(ex, response, ex);
            if (response instanceof FullHttpResponse full) {
                writeResponseBody(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            }
            return;
        }
        boolean keepAlive = keepAliveAfter(ex);
        writeHead(ex, response, keepAlive);
    }

    /** Whether the client connection may stay open after this exchange's response, as far as the gateway goes. */
    private boolean keepAliveAfter(Exchange ex) {
        return ex.clientKeepAlive && !closeAfterResponse && !context.draining()
                && !limits.keepaliveTimeout().isZero();
    }

    /**
     * The response-headers phase, then the head (and a whole response's body) to the client. The framing is chosen
     * after the plugins, which may change the status or the body's length.
     */
    private void writeHead(Exchange ex, HttpResponse response, boolean keepAlive) {
        ex.responseStarted = true;
        ex.status = response.status().code();
        boolean upstreamChunked = HeaderRules.stripHopByHop(response);
        addHsts(response);
        ex.plugins().runResponseHeaders(ex, response, ex);
        ex.status = response.status().code();
        int code = ex.status;
        ex.bodyless = ex.head || code == 204 || code == 304;
        ResponseBodyPipeline body = ex.responseBody;
        if (response instanceof FullHttpResponse full && body != null) {
            // the plugins' body steps see a whole response's body as one last chunk
            HttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
            if (!HeaderRules.frame(head, keepAlive, ex.http10, ex.bodyless, upstreamChunked)) {
                closeAfterResponse = true;
            }
            ctx.write(head, ctx.voidPromise());
            LastHttpContent last = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            writeResponseBody(last);
            return;
        }
        if (!HeaderRules.frame(response, keepAlive, ex.http10, ex.bodyless, upstreamChunked)) {
            closeAfterResponse = true;
        }
        if (response instanceof FullHttpResponse full) {
            if (ex.bodyless) {
                full.content().clear();
            }
            ex.bytesSent += full.content().readableBytes();
        }
        ctx.write(response, ctx.voidPromise());
    }

    private void addHsts(HttpResponse response) {
        if (hsts != null && !response.headers().contains(STRICT_TRANSPORT_SECURITY)) {
            response.headers().set(STRICT_TRANSPORT_SECURITY, hsts);
        }
    }

    /** A chunk of the response body: through the plugins' body steps when there are some, then to the client. */
    void writeResponseBody(HttpContent content) {
        Exchange ex = exchange;
        ResponseBodyPipeline body = ex == null ? null : ex.responseBody;
        if (ex != null && ex.detached) {
            // a background refresh: the plugins see the body, the client (already answered) does not
            if (body == null) {
                content.release();
            } else {
                body.run(content.content(), content instanceof LastHttpContent).release();
            }
            return;
        }
        if (body == null) {
            if (ex != null) {
                ex.bytesSent += content.content().readableBytes();
            }
            ctx.write(content, ctx.voidPromise());
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (!body.transforms()) {
            body.run(content.content(), last);
            ex.bytesSent += content.content().readableBytes();
            ctx.write(content, ctx.voidPromise());
            return;
        }
        ByteBuf out;
        try {
            out = body.run(content.content(), last);
        } catch (RuntimeException e) {
            // the pipeline freed the chunk and what it held; the client must not take the rest for a whole body
            relay.abort();
            abortClient(ex);
            return;
        }
        if (ex.bodyless) {
            out.release();
            out = Unpooled.EMPTY_BUFFER;
        }
        ex.bytesSent += out.readableBytes();
        if (last) {
            LastHttpContent end = new DefaultLastHttpContent(out);
            end.trailingHeaders().set(((LastHttpContent) content).trailingHeaders());
            ctx.write(end, ctx.voidPromise());
        } else if (out.isReadable()) {
            ctx.write(new DefaultHttpContent(out), ctx.voidPromise());
        } else {
            out.release();
        }
    }

    /** The response was relayed completely. */
    void exchangeComplete(Exchange ex) {
        log(ex);
        if (exchange == ex) {
            exchange = null;
        }
        if (closeAfterResponse || !ex.requestComplete || !ex.clientKeepAlive) {
            closeAfterFlush();
            return;
        }
        ctx.flush();
        timer.phase(ClientPhase.AWAIT_REQUEST);
        drainPipeline();
        readMore();
    }

    private void drainPipeline() {
        if (drainingPipeline) {
            return;
        }
        drainingPipeline = true;
        try {
            while (!closed && !pipelined.isEmpty() && (exchange == null || !exchange.requestComplete)) {
                handle(pipelined.poll());
            }
            // body chunks taken from the queue were written, not flushed
            relay.flushUpstream();
        } finally {
            drainingPipeline = false;
        }
    }

    /** The upstream failed after the response began: the client must not see a complete-looking response. */
    void abortClient(Exchange ex) {
        log(ex);
        exchange = null;
        closed = true;
        releasePipelined();
        ctx.close();
    }

    /** Answers the current request with a JSON error (before any response byte was sent). */
    void replyLocally(Exchange ex, HttpResponseStatus status, String code, String message) {
        if (ex.detached) {
            // a background refresh failed: the client has its answer; the plugins learn it in the log phase
            exchangeComplete(ex);
            return;
        }
        replyLocally(ex, status, null, code, message);
    }

    /** The same, or the body and headers a plugin chose. */
    private void replyLocally(Exchange ex, HttpResponseStatus status, Outcome.@Nullable Respond fromPlugin,
            String code, String message) {
        ex.answeredLocally = true;
        ex.responseStarted = true;
        ex.status = status.code();
        // a body still coming cannot be skipped reliably on HTTP/1.1: close, as nginx does for an unread body; an
        // HTTP/2 stream carries one request, so the rest of its body is read and dropped
        boolean close = !ex.requestComplete && !http2Stream || !ex.clientKeepAlive || closeAfterResponse
                || context.draining();
        if (close) {
            closeAfterResponse = true;
        }
        var response = ex.grpc ? LocalReply.grpc(status, message, ex.requestId)
                : fromPlugin != null && fromPlugin.body() != null
                ? LocalReply.body(ctx.alloc(), status, fromPlugin.body(), fromPlugin.contentType(), ex.requestId, close)
                : LocalReply.json(ctx.alloc(), status, code, message, ex.requestId, close);
        if (fromPlugin != null) {
            fromPlugin.headers().forEach((k, v) -> response.headers().set(k, v));
        }
        if (ex.retryAfterSeconds > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, ex.retryAfterSeconds);
        }
        if (ex.overflow != null) {
            response.headers().set(OVERFLOW_HEADER, ex.overflow);
        }
        writeWhole(ex, response, !close);
    }

    /** Answers with a response a plugin holds (a cache hit). */
    private void sendStored(Exchange ex, FullHttpResponse response) {
        ex.answeredLocally = true;
        // a request body still coming cannot be skipped reliably on HTTP/1.1 (as for a local reply)
        boolean keepAlive = keepAliveAfter(ex) && (ex.requestComplete || http2Stream);
        if (!keepAlive) {
            closeAfterResponse = true;
        }
        writeWhole(ex, response, keepAlive);
    }

    private void writeWhole(Exchange ex, FullHttpResponse response, boolean keepAlive) {
        writeHead(ex, response, keepAlive);
        exchangeComplete(ex);
    }

    /** Answers a request that breaks the protocol or a limit; the connection is not trusted any further. */
    private void rejectAndClose(Exchange ex, HttpResponseStatus status, String code, String message) {
        closeAfterResponse = true;
        reject(ex, status, code, message);
    }

    private void reject(Exchange ex, HttpResponseStatus status, String code, String message) {
        reject(ex, status, null, code, message);
    }

    private void reject(Exchange ex, HttpResponseStatus status, Outcome.@Nullable Respond fromPlugin, String code,
            String message) {
        ex.requestComplete = ex.requestComplete || !HttpUtil.isTransferEncodingChunked(ex.request)
                && HttpUtil.getContentLength(ex.request, 0L) == 0;
        replyLocally(ex, status, fromPlugin, code, message);
    }

    private void rejectMalformed(Exchange ex, Throwable cause) {
        closeAfterResponse = true;
        if (cause instanceof TooLongHttpLineException) {
            replyLocally(ex, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request_line_too_long",
                    "the request line is longer than " + limits.maxRequestLine() + " bytes");
        } else if (cause instanceof TooLongHttpHeaderException) {
            replyLocally(ex, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                    "the request headers are larger than " + limits.maxHeaderSize() + " bytes");
        } else if (cause instanceof TooLongFrameException) {
            replyLocally(ex, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "a request field is too large");
        } else {
            replyLocally(ex, HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed request");
        }
    }

    private void closeAfterFlush() {
        closed = true;
        releasePipelined();
        relay.abort();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ClientTimeout timeout) {
            onClientTimeout(timeout);
        } else if (evt == DrainEvent.INSTANCE) {
            if (exchange == null) {
                closeAfterFlush();
            } else {
                closeAfterResponse = true;
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void onClientTimeout(ClientTimeout timeout) {
        Exchange ex = exchange;
        if (timeout == ClientTimeout.KEEPALIVE || closed) {
            closeAfterFlush();
            return;
        }
        if (ex == null) {
            // the head never arrived: log the timeout against a placeholder request
            ex = new Exchange(context.snapshots().current(), new DefaultHttpRequest(HttpVersion.HTTP_1_1,
                    HttpMethod.GET, "-"), clientIp, ctx.channel().eventLoop(), http2Stream);
            context.metrics().requestStarted();
            exchange = ex;
        }
        relay.abort();
        if (ex.responseStarted) {
            abortClient(ex);
            return;
        }
        closeAfterResponse = true;
        replyLocally(ex, HttpResponseStatus.REQUEST_TIMEOUT, "client_timeout", timeout == ClientTimeout.HEADER
                ? "the request head did not arrive within header_timeout"
                : "the request body did not arrive within body_timeout");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        releasePipelined();
        Exchange ex = exchange;
        if (ex != null && ex.detached) {
            // a background refresh outlives its client (an HTTP/2 stream closes once the answer is sent): it goes
            // on, ends by itself and is logged then
            ctx.fireChannelInactive();
            return;
        }
        relay.abort();
        exchange = null;
        if (ex != null) {
            log(ex);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.warn("client connection {} failed: {}", ctx.channel(), cause.toString());
        }
        ctx.close();
    }

    private void releasePipelined() {
        HttpObject msg;
        while ((msg = pipelined.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    Metrics metrics() {
        return context.metrics();
    }

    /**
     * The upstream switched protocols (101) for a WebSocket handshake: the 101 goes to the client, the exchange is
     * logged, and both connections become a byte tunnel, idle-closed after the service's read timeout.
     */
    void upgraded(Exchange ex, HttpResponse response, Channel upstream) {
        ex.responseStarted = true;
        ex.status = response.status().code();
        HeaderRules.toClient(response, true, false, true);
        HeaderRules.keepUpgrade(response.headers(), ex.upgrade);
        addHsts(response);
        ex.plugins().runResponseHeaders(ex, response, ex);
        if (ex.responseBody != null) {
            // a tunnel's bytes are not a body: nothing transforms them
            ex.responseBody.abandon();
            ex.responseBody = null;
        }
        ctx.writeAndFlush(response);
        log(ex);
        exchange = null;
        closed = true;
        long idle = ex.route.service().readTimeout().toMillis();
        ChannelPipeline p = ctx.pipeline();
        p.addLast(new io.netty.handler.timeout.IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS),
                new Tunnel(upstream));
        upstream.pipeline().addFirst(new io.netty.handler.timeout.IdleStateHandler(0, 0, idle,
                TimeUnit.MILLISECONDS));
        if (timer instanceof io.netty.channel.ChannelHandler timeouts) {
            p.remove(timeouts);
        }
        p.remove(this);
        // last: the codec passes on any bytes it read past the handshake request
        if (p.get(HTTP_CODEC) != null) {
            p.remove(HTTP_CODEC);
        }
    }

    /** {@code grpc-timeout}: up to 8 digits and a unit (H, M, S, m, u, n); 0 when absent or malformed. */
    static long grpcTimeoutNanos(@Nullable String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return 0;
        }
        long amount;
        try {
            amount = Long.parseLong(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            return 0;
        }
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> TimeUnit.HOURS.toNanos(amount);
            case 'M' -> TimeUnit.MINUTES.toNanos(amount);
            case 'S' -> TimeUnit.SECONDS.toNanos(amount);
            case 'm' -> TimeUnit.MILLISECONDS.toNanos(amount);
            case 'u' -> TimeUnit.MICROSECONDS.toNanos(amount);
            case 'n' -> amount;
            default -> 0;
        };
    }

    /** A plain listener with {@code http_redirect}: 301 (308 for other methods than GET and HEAD) to https. */
    private void redirectToHttps(Exchange ex) {
        int port = listener.httpRedirectPort();
        String host = ex.host.isEmpty() ? "localhost" : ex.host.indexOf(':') >= 0 ? "[" + ex.host + "]" : ex.host;
        String location = "https://" + host + (port == 443 ? "" : ":" + port) + ex.originalUri;
        boolean safe = ex.method.equals("GET") || ex.method.equals("HEAD");
        reject(ex, safe ? HttpResponseStatus.MOVED_PERMANENTLY : HttpResponseStatus.PERMANENT_REDIRECT,
                new Outcome.Respond(safe ? 301 : 308, "https_required", "use " + location,
                        java.util.Map.of("Location", location), null, null), "https_required", "use " + location);
    }

    /** Starts the request's span and hands the upstream a traceparent naming it; or just reads the client's id. */
    private void trace(Exchange ex, HttpHeaders h) {
        String incoming = h.get(TRACEPARENT);
        Tracing.RequestSpan span = context.tracing().start(incoming, ex.method, ex.path, ex.realIp, ex.requestId,
                ex.startMillis * 1_000_000L);
        if (span == null) {
            ex.traceId = Tracing.traceId(incoming);
            return;
        }
        ex.span = span;
        ex.traceId = span.traceId();
        h.set(TRACEPARENT, span.traceparent());
    }

    private void log(Exchange ex) {
        if (ex.logged) {
            // an exchange cut short on one path (a failed body transformer) can be ended again by another
            return;
        }
        ex.logged = true;
        releaseHeld(ex);
        if (ex.responseBody != null) {
            ex.responseBody.abandon();
        }
        ex.plugins().runComplete(ex, ex.loggedStatus());
        RouteEntry route = ex.route;
        long now = System.nanoTime();
        if (ex.span != null) {
            ex.span.end(ex.method + " " + (route == null ? "-" : route.name()), route == null ? null : route.name(),
                    ex.endpoint == null ? null : ex.endpoint.authority(), ex.loggedStatus(),
                    ex.startMillis * 1_000_000L + (now - ex.startNanos));
        }
        context.metrics().requestEnded(route == null ? "-" : route.name(), route == null ? "-"
                : route.service().name(), ex.method, ex.loggedStatus(), now - ex.startNanos,
                ex.upstreamHeadNanos == 0 ? -1 : ex.upstreamHeadNanos - ex.upstreamStartNanos, ex.requestBodyBytes,
                ex.bytesSent);
        if (context.accessLog() == AccessLog.OFF) {
            return;
        }
        Consumer consumer = ex.attribute(Consumer.ATTRIBUTE);
        context.accessLog().log(new AccessLogEntry(ex.startMillis, ex.realIp, ex.method, ex.originalUri,
                ex.protocol, ex.loggedStatus(), ex.bytesSent, ex.referer, ex.userAgent, ex.requestId,
                route == null ? null : route.name(), route == null ? null : route.service().name(),
                ex.endpoint == null ? null : ex.endpoint.authority(), ex.upstreamAttempts,
                (now - ex.startNanos) / 1000,
                ex.upstreamHeadNanos == 0 ? -1 : (ex.upstreamHeadNanos - ex.upstreamStartNanos) / 1000,
                ex.upstreamStatus, ex.upstreamStartNanos == 0 ? -1 : (ex.upstreamStartNanos - ex.startNanos) / 1000,
                ex.requestBodyBytes, consumer == null ? null : consumer.username(), ex.traceId));
    }
}
