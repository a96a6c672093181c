package dev.gatehouse.proxy;

import dev.gatehouse.config.model.RetrySpec;
import dev.gatehouse.config.model.RetrySpec.Condition;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The retry side of one exchange: whether a failure may be retried under the route's policy, the backoff,
 * and the copy of the request body kept for replay (only while it fits {@code buffer_size}). Confined to the
 * client connection's event loop; reused by its successive exchanges.
 */
final class RetryState {

    /** How a try failed, before any response byte reached the client. */
    enum Failure { REFUSED, CONNECT_FAILURE, RESET, TIMEOUT, STATUS }

    private RetrySpec policy = RetrySpec.NONE;
    private boolean methodAllows;
    private int retriesDone;
    // retained copies of the body chunks sent so far, in order; owned here
    private final ArrayDeque<HttpContent> replay = new ArrayDeque<>(4);
    private long replayBytes;
    private boolean overflowed;

    void reset(RetrySpec policy, String method) {
        release();
        this.policy = policy;
        this.methodAllows = policy.retryNonIdempotent() || idempotent(method);
        this.retriesDone = 0;
        // a body is kept only when a retry after sending it could happen
        this.overflowed = policy.attempts() == 0 || !methodAllows;
    }

    static boolean idempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    RetrySpec policy() {
        return policy;
    }

    int retriesDone() {
        return retriesDone;
    }

    /** Keeps a copy of a body chunk about to be sent, while the body fits the replay buffer. */
    void keep(HttpContent chunk) {
        if (overflowed) {
            return;
        }
        int size = chunk.content().readableBytes();
        if (replayBytes + size > policy.bufferSize()) {
            overflowed = true;
            release();
            return;
        }
        replayBytes += size;
        if (chunk instanceof LastHttpContent last) {
            replay.add(new DefaultLastHttpContent(last.content().retainedDuplicate(), last.trailingHeaders().copy()));
        } else {
            replay.add(new DefaultHttpContent(chunk.content().retainedDuplicate()));
        }
    }

    /** True when everything sent so far can be sent again. */
    boolean replayable() {
        return !overflowed;
    }

    /** True when nothing was kept (the body so far is empty or nothing was sent). */
    boolean nothingKept() {
        return replay.isEmpty();
    }

    /** Writes the kept body again (as new references; the copies stay here for a further retry). */
    void replayTo(Channel ch) {
        for (HttpContent chunk : replay) {
            ch.write(chunk.retainedDuplicate(), ch.voidPromise());
        }
    }

    /**
     * Whether the policy lets this failure be retried now. As in nginx, a try that never reached the upstream
     * (refused, connect failure) may be retried whatever the method; others only for idempotent methods unless
     * {@code retry_non_idempotent}. The caller checks that the body can be sent again, and the budget.
     */
    boolean allows(Failure failure, int status) {
        if (retriesDone >= policy.attempts()) {
            return false;
        }
        boolean reachedUpstream = failure != Failure.REFUSED && failure != Failure.CONNECT_FAILURE;
        if (reachedUpstream && !methodAllows) {
            return false;
        }
        var on = policy.on();
        return switch (failure) {
            case REFUSED -> on.contains(Condition.REFUSED) || on.contains(Condition.CONNECT_FAILURE)
                    || on.contains(Condition.GATEWAY_ERROR) || on.contains(Condition.SERVER_ERROR);
            case CONNECT_FAILURE -> on.contains(Condition.CONNECT_FAILURE) || on.contains(Condition.GATEWAY_ERROR)
                    || on.contains(Condition.SERVER_ERROR);
            case RESET -> on.contains(Condition.RESET) || on.contains(Condition.SERVER_ERROR);
            case TIMEOUT -> on.contains(Condition.TIMEOUT) || on.contains(Condition.GATEWAY_ERROR)
                    || on.contains(Condition.SERVER_ERROR);
            case STATUS -> policy.retriableStatuses().contains(status)
                    || (on.contains(Condition.GATEWAY_ERROR) && status >= 502 && status <= 504)
                    || (on.contains(Condition.SERVER_ERROR) && status >= 500);
        };
    }

    /** Counts a retry and returns its delay: exponential from the base, capped, with half of it jittered. */
    long nextBackoffNanos() {
        retriesDone++;
        long base = policy.backoffBase().toNanos();
        long max = policy.backoffMax().toNanos();
        long delay = Math.min(max, base << Math.min(20, retriesDone - 1));
        if (delay <= 1) {
            return 0;
        }
        return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    }

    /** Drops the kept body. */
    void release() {
        HttpContent chunk;
        while ((chunk = replay.poll()) != null) {
            chunk.release();
        }
        replayBytes = 0;
    }
}
