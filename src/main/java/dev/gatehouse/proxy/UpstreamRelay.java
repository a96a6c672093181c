package dev.gatehouse.proxy;

import dev.gatehouse.config.model.RetrySpec;
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
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
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
 * service's timeouts, retries failed tries under the route's policy, and maps upstream failures to local
 * replies. One per client connection, reused by its successive exchanges; confined to the connection's loop.
 */
final class UpstreamRelay implements UpstreamListener {

    private final ProxyHandler downstream;
    private final ConnectionPool pool;
    private final RetryState retry = new RetryState();

    private @Nullable Exchange exchange;
    private @Nullable HttpRequest head;
    private boolean preserveHost;
    private @Nullable String hashKey;
    /** The client's sticky-session cookie value, when its upstream is sticky. */
    private @Nullable String stickyCookie;
    private @Nullable UpstreamGroup admittedBy;
    private boolean holdsRetrySlot;
    private @Nullable UpstreamConnection connection;
    private io.netty.util.concurrent.@Nullable Future<Channel> connecting;
    private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>(4);
    /** Body bytes (or trailers) were written upstream on some try. */
    private boolean bodyStreamed;
    private boolean skippingInterim;
    /** An earlier try of this exchange wrote to its connection: a new try must send all of that again. */
    private boolean sentBefore;
    private boolean upstreamKeepAlive;
    private long tryStartNanos;
    private boolean headReceived;
    private @Nullable ScheduledFuture<?> timer;
    /** The endpoint whose in-flight count the current try holds. */
    private @Nullable Endpoint inFlightOn;

    UpstreamRelay(ProxyHandler downstream, ConnectionPool pool) {
        this.downstream = downstream;
        this.pool = pool;
    }

    /**
     * Starts the exchange's upstream side: admits it under the upstream's circuit breakers, picks a target,
     * rewrites the head's headers and sends it.
     *
     * @param preservedHost the client's Host when the route preserves it, else null (the target's is sent)
     */
    void start(Exchange ex, HttpRequest upstreamHead, boolean chunked, boolean trustedClient,
            @Nullable String preservedHost, int listenerPort) {
        this.exchange = ex;
        this.head = upstreamHead;
        this.preserveHost = preservedHost != null;
        this.bodyStreamed = false;
        this.skippingInterim = false;
        this.sentBefore = false;
        this.hashKey = null;
        this.stickyCookie = null;
        retry.reset(ex.route.retries(), ex.method);
        UpstreamGroup group = ex.route.service().group();
        String overflow = group.admitRequest();
        if (overflow != null) {
            overflow(ex, overflow);
            return;
        }
        admittedBy = group;
        if (group.hashOn() != null) {
            String key = ex.hashKey(group.hashOn());
            hashKey = key != null ? key : ex.hashKey(group.hashFallback());
        }
        PickContext first = hashKey == null ? PickContext.FIRST : new PickContext(null, 1, hashKey);
        Endpoint endpoint;
        if (group.sticky() != null) {
            stickyCookie = ex.cookie(group.sticky().cookie());
            endpoint = group.pickSticky(stickyCookie, first);
        } else {
            endpoint = group.pick(first);
        }
        if (endpoint == null) {
            noTarget(ex, group);
            return;
        }
        boolean trailers = upstreamHead.headers().containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
        HeaderRules.toUpstream(upstreamHead.headers(), chunked, ex.clientIp, trustedClient, preservedHost,
                listenerPort, ex.requestId, ex.tls != null);
        if (trailers && group.http2()) {
            // HTTP/2 allows "te: trailers", and gRPC servers expect it
            upstreamHead.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        if (ex.upgrade != null) {
            HeaderRules.keepUpgrade(upstreamHead.headers(), ex.upgrade);
        }
        attempt(endpoint, true);
    }

    private void noTarget(Exchange ex, UpstreamGroup group) {
        if (group.endpoints().isEmpty()) {
            fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_upstream_targets", "the upstream has no targets");
        } else {
            ex.retryAfterSeconds = group.retryAfterSeconds();
            fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_healthy_upstream",
                    "no target of upstream '" + group.name() + "' is healthy");
        }
    }

    private void overflow(Exchange ex, String limit) {
        ex.overflow = limit;
        fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream_overflow",
                "the upstream's " + limit + " circuit breaker is open");
    }

    private void attempt(Endpoint endpoint, boolean mayReuse) {
        Exchange ex = exchange;
        ex.endpoint = endpoint;
        ex.upstreamAttempts++;
        endpoint.state().requestStarted();
        inFlightOn = endpoint;
        tryStartNanos = System.nanoTime();
        headReceived = false;
        if (ex.upstreamStartNanos == 0) {
            ex.upstreamStartNanos = tryStartNanos;
        }
        if (!preserveHost) {
            // each try names its own target
            head.headers().set(HttpHeaderNames.HOST, endpoint.authority());
        }
        UpstreamConnection idle = mayReuse ? pool.pollIdle(endpoint.address(), ex.route.service().group().tls())
                : null;
        if (idle != null) {
            bind(idle);
            return;
        }
        UpstreamGroup group = ex.route.service().group();
        String overflow = group.admitConnect();
        if (overflow != null) {
            endAttempt();
            overflow(ex, overflow);
            return;
        }
        UpstreamService service = ex.route.service();
        io.netty.util.concurrent.Future<Channel> f = pool.open(endpoint.address(), service.connectTimeout(),
                group.tls(), endpoint.authority(), group.http2());
        connecting = f;
        f.addListener(done -> connected(f, group));
    }

    private void connected(io.netty.util.concurrent.Future<Channel> f, UpstreamGroup group) {
        group.connectEnded(f.isSuccess());
        if (f.isSuccess()) {
            f.getNow().closeFuture().addListener(closed -> group.connectionClosed());
        }
        if (f != connecting) {
            // the exchange this connection was opened for is gone
            if (f.isSuccess()) {
                f.getNow().close();
            }
            return;
        }
        connecting = null;
        if (!f.isSuccess()) {
            report(AttemptOutcome.LOCAL_FAILURE);
            Throwable cause = f.cause();
            if (cause instanceof ConnectTimeoutException) {
                tryFailed(RetryState.Failure.CONNECT_FAILURE, 0, HttpResponseStatus.GATEWAY_TIMEOUT,
                        "upstream_connect_timeout", "connecting to the upstream timed out");
            } else if (cause instanceof ConnectException) {
                tryFailed(RetryState.Failure.REFUSED, 0, HttpResponseStatus.BAD_GATEWAY,
                        "upstream_connection_refused", "the upstream refused the connection");
            } else {
                tryFailed(RetryState.Failure.CONNECT_FAILURE, 0, HttpResponseStatus.BAD_GATEWAY,
                        "upstream_connect_failed", "cannot connect to the upstream");
            }
            return;
        }
        bind(ConnectionPool.connection(f.getNow()));
    }

    private void bind(UpstreamConnection c) {
        connection = c;
        c.bind(this);
        Channel ch = c.channel();
        ch.write(head, ch.voidPromise());
        if (sentBefore) {
            // what the failed try sent is not in pendingBody any more: the kept copy, or the empty end
            if (!retry.nothingKept()) {
                retry.replayTo(ch);
            } else if (exchange.requestComplete && !bodyStreamed) {
                ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
            }
        }
        sentBefore = true;
        HttpContent chunk;
        while ((chunk = pendingBody.poll()) != null) {
            writeBody(ch, chunk);
        }
        ch.flush();
        if (connection != c) {
            // the write failed at once and the try was already dealt with
            return;
        }
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
        retry.keep(chunk);
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
            brokenOrRetry(RetryState.Failure.RESET, HttpResponseStatus.BAD_GATEWAY, "upstream_invalid_response",
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
            report(AttemptOutcome.ofStatus(code));
            if (retry.allows(RetryState.Failure.STATUS, code) && (!bodyStreamed || retry.replayable())
                    && budgetAllowsRetry()) {
                // the response is dropped with its connection; the client sees only the retry's answer
                ReferenceCountUtil.release(msg);
                retryAfterFailure();
                return;
            }
            headReceived = true;
            retry.release();
            ex.upstreamHeadNanos = System.nanoTime();
            ex.upstreamStatus = code;
            if (code == 101) {
                switchProtocols(ex, response);
                return;
            }
            upstreamKeepAlive = HttpUtil.isKeepAlive(response);
            pinClient(ex, response);
            downstream.writeResponseHead(response);
            if (msg instanceof FullHttpResponse) {
                // a response that ended with its head (HTTP/2, gRPC trailers-only) was written whole
                responseComplete(ex);
                return;
            }
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
        boolean last = content instanceof LastHttpContent;
        downstream.writeResponseBody(content);
        if (last) {
            responseComplete(ex);
        }
    }

    /** A 101: a tunnel when the client asked for that upgrade, else the upstream broke the protocol (502). */
    private void switchProtocols(Exchange ex, HttpResponse response) {
        UpstreamConnection c = connection;
        if (ex.upgrade == null || c == null) {
            ReferenceCountUtil.release(response);
            brokenOrRetry(RetryState.Failure.RESET, HttpResponseStatus.BAD_GATEWAY, "upstream_invalid_response",
                    "the upstream switched protocols without being asked to");
            return;
        }
        connection = null;
        finish();
        Channel client = downstream.channel();
        c.becomeTunnel(new Tunnel(client));
        downstream.upgraded(ex, response, c.channel());
    }

    /** Sets the sticky-session cookie when the client is not (or no longer) pinned to the target that answered. */
    private void pinClient(Exchange ex, HttpResponse response) {
        UpstreamGroup group = ex.route.service().group();
        var sticky = group.sticky();
        if (sticky == null || ex.endpoint == null) {
            return;
        }
        String id = group.stickyId(ex.endpoint);
        if (!id.equals(stickyCookie)) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, sticky.cookie() + "=" + id + "; Path=/; Max-Age="
                    + sticky.ttl().toSeconds() + "; HttpOnly");
        }
    }

    private void responseComplete(Exchange ex) {
        UpstreamConnection c = connection;
        connection = null;
        if (c != null) {
            UpstreamGroup group = ex.route.service().group();
            if (upstreamKeepAlive && ex.requestComplete && pendingBody.isEmpty()) {
                pool.release(c, group.maxIdlePerTarget(), group.idleTimeout());
            } else {
                c.unbind();
                c.channel().close();
            }
        }
        finish();
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
                && RetryState.idempotent(ex.method)) {
            // A keep-alive connection the upstream had closed: replay the request once on a fresh connection.
            cancelTimer();
            endAttempt();
            attempt(ex.endpoint, false);
            return;
        }
        report(AttemptOutcome.LOCAL_FAILURE);
        brokenOrRetry(RetryState.Failure.RESET, HttpResponseStatus.BAD_GATEWAY, "upstream_closed",
                "the upstream closed the connection before a complete response");
    }

    /** Tells the upstream's passive health checks how the current try went. */
    private void report(AttemptOutcome outcome) {
        Exchange ex = exchange;
        if (ex != null && ex.endpoint != null) {
            ex.route.service().group().report(ex.endpoint, outcome);
        }
    }

    /** A failure after the response head arrived cannot be retried: the client connection is closed. */
    private void brokenOrRetry(RetryState.Failure failure, HttpResponseStatus status, String code, String message) {
        Exchange ex = exchange;
        if (ex != null && (ex.responseStarted || headReceived)) {
            abort();
            downstream.abortClient(ex);
            return;
        }
        tryFailed(failure, 0, status, code, message);
    }

    /** A try failed before any response byte reached the client: retry it, or answer with the error. */
    private void tryFailed(RetryState.Failure failure, int status, HttpResponseStatus reply, String code,
            String message) {
        if (retry.allows(failure, status) && (!bodyStreamed || retry.replayable()) && budgetAllowsRetry()) {
            retryAfterFailure();
            return;
        }
        fail(reply, code, message);
    }

    private boolean budgetAllowsRetry() {
        if (holdsRetrySlot) {
            return true;
        }
        UpstreamGroup group = exchange.route.service().group();
        holdsRetrySlot = group.counters().tryStartRetry(retry.policy().budgetPercent());
        return holdsRetrySlot;
    }

    /** Drops the failed try's connection and schedules the next try, on another target when there is one. */
    private void retryAfterFailure() {
        Exchange ex = exchange;
        Endpoint failed = ex.endpoint;
        cancelTimer();
        endAttempt();
        closeConnection();
        long delay = retry.nextBackoffNanos();
        Channel loopOwner = downstream.channel();
        if (delay == 0) {
            retryNow(ex, failed);
        } else {
            loopOwner.eventLoop().schedule(() -> retryNow(ex, failed), delay, TimeUnit.NANOSECONDS);
        }
    }

    private void retryNow(Exchange ex, @Nullable Endpoint failed) {
        if (exchange != ex) {
            return;
        }
        UpstreamGroup group = ex.route.service().group();
        Endpoint next = group.pick(new PickContext(failed, retry.retriesDone() + 1, hashKey));
        if (next == null) {
            noTarget(ex, group);
            return;
        }
        downstream.metrics().retried(group.name());
        attempt(next, true);
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
        closeConnection();
        HttpContent chunk;
        while ((chunk = pendingBody.poll()) != null) {
            chunk.release();
        }
        finish();
    }

    private void closeConnection() {
        connecting = null;
        UpstreamConnection c = connection;
        connection = null;
        if (c != null) {
            c.unbind();
            c.channel().close();
        }
    }

    /** Releases everything the exchange held: timer, in-flight count, replay copies, breaker and budget slots. */
    private void finish() {
        cancelTimer();
        endAttempt();
        retry.release();
        UpstreamGroup group = admittedBy;
        if (group != null) {
            admittedBy = null;
            group.requestEnded();
            if (holdsRetrySlot) {
                group.counters().retryEnded();
            }
        }
        holdsRetrySlot = false;
        exchange = null;
    }

    private void endAttempt() {
        Endpoint e = inFlightOn;
        if (e != null) {
            inFlightOn = null;
            e.state().requestEnded();
        }
    }

    private void armTimer() {
        UpstreamService s = exchange.route.service();
        long period = Math.min(s.readTimeout().toNanos(), s.writeTimeout().toNanos());
        if (exchange.deadlineNanos != 0) {
            period = Math.min(period, exchange.deadlineNanos - System.nanoTime());
        }
        RetrySpec policy = retry.policy();
        if (policy.perTryTimeout() != null) {
            period = Math.min(period, policy.perTryTimeout().toNanos());
        }
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
     * more); the write timeout while the upstream socket is not writable; the per-try timeout from sending a try
     * to its response head.
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
        if (ex.deadlineNanos != 0) {
            long left = ex.deadlineNanos - now;
            if (left <= 0) {
                timedOut("deadline_exceeded", "the request's deadline (grpc-timeout) passed");
                return;
            }
            next = Math.min(next, left);
        }
        var perTry = retry.policy().perTryTimeout();
        if (perTry != null && !headReceived) {
            long left = tryStartNanos + perTry.toNanos() - now;
            if (left <= 0) {
                timedOut("upstream_try_timeout", "the upstream did not answer within per_try_timeout");
                return;
            }
            next = Math.min(next, left);
        }
        long readSince = c.readPendingSinceNanos();
        if (readSince != 0) {
            long left = readSince + readTimeout - now;
            if (left <= 0) {
                timedOut("upstream_read_timeout", "the upstream did not answer within read_timeout");
                return;
            }
            next = Math.min(next, left);
        }
        long unwritableSince = c.unwritableSinceNanos();
        if (unwritableSince != 0) {
            long left = unwritableSince + writeTimeout - now;
            if (left <= 0) {
                timedOut("upstream_write_timeout", "the upstream did not accept the request within write_timeout");
                return;
            }
            next = Math.min(next, left);
        }
        schedule(next);
    }

    private void timedOut(String code, String message) {
        report(AttemptOutcome.LOCAL_FAILURE);
        brokenOrRetry(RetryState.Failure.TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT, code, message);
    }
}
