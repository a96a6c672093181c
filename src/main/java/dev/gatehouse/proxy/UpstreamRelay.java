package dev.gatehouse.proxy;

import dev.gatehouse.upstream.AttemptOutcome;
import dev.gatehouse.upstream.ConnectionPool;
import dev.gatehouse.upstream.Endpoint;
import dev.gatehouse.upstream.PickContext;
import dev.gatehouse.upstream.UpstreamConnection;
import dev.gatehouse.upstream.UpstreamGroup;
import dev.gatehouse.upstream.UpstreamListener;
import dev.gatehouse.upstream.UpstreamService;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The upstream side of a client connection's current exchange: picks a target, takes a connection from this
 * loop's pool (or opens one), streams the request up and the response down with back-pressure, enforces the
 * service's read and write timeouts, and maps upstream failures to local replies. One per client connection,
 * reused by its successive exchanges; confined to the connection's event loop.
 */
final class UpstreamRelay implements UpstreamListener {

    private final ProxyHandler downstream;
    private final ConnectionPool pool;
    private final ChannelFutureListener onConnect = this::connected;

    private @Nullable Exchange exchange;
    private @Nullable HttpRequest head;
    private @Nullable UpstreamConnection connection;
    private @Nullable ChannelFuture connecting;
    private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>();
    /** Body bytes (or trailers) were written upstream: the request can no longer be replayed. */
    private boolean bodyStreamed;
    private boolean skippingInterim;
    /** The head is sent again on a fresh connection, so the end of a completed request must be too. */
    private boolean replaying;
    private boolean upstreamKeepAlive;
    private @Nullable ScheduledFuture<?> timer;
    /** The endpoint whose in-flight count this exchange's current attempt holds. */
    private @Nullable Endpoint inFlightOn;

    UpstreamRelay(ProxyHandler downstream, ConnectionPool pool) {
        this.downstream = downstream;
        this.pool = pool;
    }

    /**
     * Starts the exchange's upstream side: picks a target, rewrites the head's headers for it and sends it.
     *
     * @param preservedHost the client's Host when the route preserves it, else null (the target's is sent)
     */
    void start(Exchange ex, HttpRequest upstreamHead, boolean chunked, boolean trustedClient,
            @Nullable String preservedHost, int listenerPort) {
        this.exchange = ex;
        this.head = upstreamHead;
        this.bodyStreamed = false;
        this.skippingInterim = false;
        this.replaying = false;
        UpstreamGroup group = ex.route.service().group();
        PickContext pick = PickContext.FIRST;
        if (group.hashOn() != null) {
            String key = ex.hashKey(group.hashOn());
            pick = new PickContext(null, 1, key != null ? key : ex.hashKey(group.hashFallback()));
        }
        Endpoint endpoint = group.pick(pick);
        if (endpoint == null) {
            if (group.endpoints().isEmpty()) {
                fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_upstream_targets", "the upstream has no targets");
            } else {
                ex.retryAfterSeconds = group.retryAfterSeconds();
                fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_healthy_upstream",
                        "no target of upstream '" + group.name() + "' is healthy");
            }
            return;
        }
        HeaderRules.toUpstream(upstreamHead.headers(), chunked, ex.clientIp, trustedClient,
                preservedHost != null ? preservedHost : endpoint.authority(), listenerPort, ex.requestId);
        attempt(endpoint, true);
    }

    private void attempt(Endpoint endpoint, boolean mayReuse) {
        Exchange ex = exchange;
        ex.endpoint = endpoint;
        ex.upstreamAttempts++;
        endpoint.state().requestStarted();
        inFlightOn = endpoint;
        if (ex.upstreamStartNanos == 0) {
            ex.upstreamStartNanos = System.nanoTime();
        }
        UpstreamConnection idle = mayReuse ? pool.pollIdle(endpoint.address()) : null;
        if (idle != null) {
            bind(idle);
            return;
        }
        UpstreamService service = ex.route.service();
        ChannelFuture f = pool.connect(endpoint.address(), service.connectTimeout());
        connecting = f;
        f.addListener(onConnect);
    }

    private void connected(ChannelFuture f) {
        if (f != connecting) {
            // the exchange this connection was opened for is gone
            if (f.isSuccess()) {
                f.channel().close();
            }
            return;
        }
        connecting = null;
        if (!f.isSuccess()) {
            report(AttemptOutcome.LOCAL_FAILURE);
            Throwable cause = f.cause();
            if (cause instanceof ConnectTimeoutException) {
                fail(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_connect_timeout",
                        "connecting to the upstream timed out");
            } else if (cause instanceof ConnectException) {
                fail(HttpResponseStatus.BAD_GATEWAY, "upstream_connection_refused",
                        "the upstream refused the connection");
            } else {
                fail(HttpResponseStatus.BAD_GATEWAY, "upstream_connect_failed", "cannot connect to the upstream");
            }
            return;
        }
        bind(ConnectionPool.connection(f.channel()));
    }

    private void bind(UpstreamConnection c) {
        connection = c;
        c.bind(this);
        Channel ch = c.channel();
        ch.write(head, ch.voidPromise());
        HttpContent chunk;
        while ((chunk = pendingBody.poll()) != null) {
            writeBody(ch, chunk);
        }
        if (replaying && exchange.requestComplete) {
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
        }
        ch.flush();
        ch.read();
        armTimer();
        downstream.readMore();
    }

    /** A request body chunk from the client; ownership passes to the relay. */
    void sendBody(HttpContent chunk) {
        UpstreamConnection c = connection;
        if (c == null) {
            if (exchange == null) {
                chunk.release();
            } else {
                pendingBody.add(chunk);
            }
            return;
        }
        writeBody(c.channel(), chunk);
    }

    private void writeBody(Channel ch, HttpContent chunk) {
        if (chunk.content().isReadable() || (chunk instanceof LastHttpContent last
                && !last.trailingHeaders().isEmpty())) {
            bodyStreamed = true;
        }
        ch.write(chunk, ch.voidPromise());
    }

    void flushUpstream() {
        UpstreamConnection c = connection;
        if (c != null) {
            c.channel().flush();
        }
    }

    /** True when the upstream can take more request body now. */
    boolean acceptsBody() {
        UpstreamConnection c = connection;
        return c != null && c.channel().isWritable();
    }

    /** The client can take more response body: read more from the upstream. */
    void resumeResponse() {
        UpstreamConnection c = connection;
        if (c != null && exchange != null) {
            c.channel().read();
        }
    }

    @Override
    public void onResponseObject(HttpObject msg) {
        Exchange ex = exchange;
        if (ex == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            report(AttemptOutcome.LOCAL_FAILURE);
            upstreamBroken(HttpResponseStatus.BAD_GATEWAY, "upstream_invalid_response",
                    "the upstream sent an invalid response");
            return;
        }
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            if (code >= 100 && code < 200 && code != 101) {
                // Interim responses (100 Continue, 103 Early Hints) end with an empty last content; drop both.
                skippingInterim = true;
                ReferenceCountUtil.release(msg);
                return;
            }
            ex.upstreamHeadNanos = System.nanoTime();
            report(AttemptOutcome.ofStatus(code));
            upstreamKeepAlive = HttpUtil.isKeepAlive(response);
            downstream.writeResponseHead(response);
            if (!(msg instanceof HttpContent)) {
                return;
            }
        }
        HttpContent content = (HttpContent) msg;
        if (skippingInterim) {
            content.release();
            if (content instanceof LastHttpContent) {
                skippingInterim = false;
            }
            return;
        }
        ex.bytesSent += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        downstream.writeResponseBody(content);
        if (last) {
            responseComplete(ex);
        }
    }

    private void responseComplete(Exchange ex) {
        cancelTimer();
        endAttempt();
        UpstreamConnection c = connection;
        connection = null;
        exchange = null;
        if (c != null) {
            UpstreamGroup group = ex.route.service().group();
            if (upstreamKeepAlive && ex.requestComplete && pendingBody.isEmpty()) {
                pool.release(c, group.maxIdlePerTarget(), group.idleTimeout());
            } else {
                c.unbind();
                c.channel().close();
            }
        }
        releasePending();
        downstream.exchangeComplete(ex);
    }

    @Override
    public void onReadComplete() {
        downstream.flushClient();
        UpstreamConnection c = connection;
        if (c != null && downstream.clientWritable()) {
            c.channel().read();
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (writable) {
            downstream.readMore();
        }
    }

    @Override
    public void onClosed(@Nullable Throwable cause) {
        Exchange ex = exchange;
        UpstreamConnection c = connection;
        connection = null;
        if (ex == null) {
            return;
        }
        if (!ex.responseStarted && c != null && c.reused() && ex.upstreamAttempts == 1 && !bodyStreamed
                && idempotent(ex.method)) {
            // A keep-alive connection the upstream had closed: replay the request once on a fresh connection.
            cancelTimer();
            endAttempt();
            replaying = true;
            attempt(ex.endpoint, false);
            return;
        }
        report(AttemptOutcome.LOCAL_FAILURE);
        upstreamBroken(HttpResponseStatus.BAD_GATEWAY, "upstream_closed",
                "the upstream closed the connection before a complete response");
    }

    /** Tells the upstream's passive health checks how the current attempt went. */
    private void report(AttemptOutcome outcome) {
        Exchange ex = exchange;
        if (ex != null && ex.endpoint != null) {
            ex.route.service().group().report(ex.endpoint, outcome);
        }
    }

    private void endAttempt() {
        Endpoint e = inFlightOn;
        if (e != null) {
            inFlightOn = null;
            e.state().requestEnded();
        }
    }

    private static boolean idempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    /** The upstream failed: a local reply if nothing was sent yet, otherwise the client connection is closed. */
    private void upstreamBroken(HttpResponseStatus status, String code, String message) {
        Exchange ex = exchange;
        if (ex != null && ex.responseStarted) {
            abort();
            downstream.abortClient(ex);
            return;
        }
        fail(status, code, message);
    }

    private void fail(HttpResponseStatus status, String code, String message) {
        Exchange ex = exchange;
        abort();
        if (ex != null) {
            downstream.replyLocally(ex, status, code, message);
        }
    }

    /** Forgets the current exchange: closes its upstream connection and drops queued body chunks. */
    void abort() {
        cancelTimer();
        endAttempt();
        exchange = null;
        connecting = null;
        UpstreamConnection c = connection;
        connection = null;
        if (c != null) {
            c.unbind();
            c.channel().close();
        }
        releasePending();
    }

    private void releasePending() {
        HttpContent chunk;
        while ((chunk = pendingBody.poll()) != null) {
            chunk.release();
        }
    }

    private void armTimer() {
        Exchange ex = exchange;
        UpstreamService s = ex.route.service();
        long period = Math.min(s.readTimeout().toNanos(), s.writeTimeout().toNanos());
        schedule(period);
    }

    private void schedule(long delayNanos) {
        timer = connection.channel().eventLoop().schedule(this::checkTimeouts, Math.max(delayNanos, 1_000_000),
                TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            timer = null;
            t.cancel(false);
        }
    }

    /**
     * The read timeout counts while a read we asked for is unanswered (not while the client is too slow to take
     * more); the write timeout counts while the upstream socket is not writable.
     */
    private void checkTimeouts() {
        timer = null;
        Exchange ex = exchange;
        UpstreamConnection c = connection;
        if (ex == null || c == null) {
            return;
        }
        UpstreamService s = ex.route.service();
        long now = System.nanoTime();
        long readTimeout = s.readTimeout().toNanos();
        long writeTimeout = s.writeTimeout().toNanos();
        long next = Math.min(readTimeout, writeTimeout);
        long readSince = c.readPendingSinceNanos();
        if (readSince != 0) {
            long left = readSince + readTimeout - now;
            if (left <= 0) {
                report(AttemptOutcome.LOCAL_FAILURE);
                upstreamBroken(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_read_timeout",
                        "the upstream did not answer within read_timeout");
                return;
            }
            next = Math.min(next, left);
        }
        long unwritableSince = c.unwritableSinceNanos();
        if (unwritableSince != 0) {
            long left = unwritableSince + writeTimeout - now;
            if (left <= 0) {
                report(AttemptOutcome.LOCAL_FAILURE);
                upstreamBroken(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_write_timeout",
                        "the upstream did not accept the request within write_timeout");
                return;
            }
            next = Math.min(next, left);
        }
        schedule(next);
    }
}
