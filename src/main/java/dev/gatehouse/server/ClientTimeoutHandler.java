package dev.gatehouse.server;

import dev.gatehouse.config.model.ListenerLimits;
import dev.gatehouse.proxy.ClientPhase;
import dev.gatehouse.proxy.ClientTimeout;
import dev.gatehouse.proxy.ClientTimer;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The client-side timeouts of one connection, first in its pipeline so it sees raw reads. With
 * {@code AUTO_READ} off, a timeout only counts while a read the proxy asked for is unanswered, so a client
 * is never blamed for the gateway pausing it.
 *
 * <ul>
 *   <li>waiting for a request: {@code keepalive_timeout} until its first byte ({@code header_timeout} for the
 *       first request of a connection), then {@code header_timeout} from that byte to the end of the head;</li>
 *   <li>reading a body: {@code body_timeout} between two reads.</li>
 * </ul>
 * One timer per connection, re-armed only when it fires (as Netty's IdleStateHandler does).
 */
public final class ClientTimeoutHandler extends ChannelDuplexHandler implements ClientTimer {

    public static final String NAME = "client-timeouts";

    private final long keepaliveNanos;
    private final long headerNanos;
    private final long bodyNanos;
    private @Nullable ChannelHandlerContext ctx;
    private ClientPhase phase = ClientPhase.AWAIT_REQUEST;
    private boolean firstRequest = true;
    private long phaseStartNanos = System.nanoTime();
    private long firstByteNanos;
    private long readRequestedNanos;
    private @Nullable ScheduledFuture<?> timer;

    public ClientTimeoutHandler(ListenerLimits limits) {
        this.keepaliveNanos = limits.keepaliveTimeout().toNanos();
        this.headerNanos = limits.headerTimeout().toNanos();
        this.bodyNanos = limits.bodyTimeout().toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void phase(ClientPhase next) {
        if (next == ClientPhase.AWAIT_REQUEST && phase != ClientPhase.AWAIT_REQUEST) {
            firstRequest = false;
        }
        phase = next;
        phaseStartNanos = System.nanoTime();
        firstByteNanos = 0;
        if (timer == null && next != ClientPhase.AWAIT_RESPONSE && ctx != null && ctx.channel().isActive()) {
            schedule(Math.min(headerNanos, bodyNanos));
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (readRequestedNanos == 0) {
            readRequestedNanos = System.nanoTime();
        }
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        readRequestedNanos = 0;
        if (phase == ClientPhase.AWAIT_REQUEST && firstByteNanos == 0) {
            firstByteNanos = now;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            timer = null;
            t.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::check, Math.max(delayNanos, 1_000_000), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long deadline;
        ClientTimeout kind;
        switch (phase) {
            case AWAIT_REQUEST -> {
                if (firstByteNanos != 0) {
                    deadline = firstByteNanos + headerNanos;
                    kind = ClientTimeout.HEADER;
                } else if (firstRequest) {
                    deadline = phaseStartNanos + headerNanos;
                    kind = ClientTimeout.HEADER;
                } else {
                    deadline = phaseStartNanos + keepaliveNanos;
                    kind = ClientTimeout.KEEPALIVE;
                }
            }
            case READ_BODY -> {
                if (readRequestedNanos == 0) {
                    schedule(bodyNanos);
                    return;
                }
                deadline = Math.max(readRequestedNanos, phaseStartNanos) + bodyNanos;
                kind = ClientTimeout.BODY;
            }
            default -> {
                return;
            }
        }
        if (now - deadline >= 0) {
            ctx.pipeline().fireUserEventTriggered(kind);
            return;
        }
        schedule(deadline - now);
    }
}
