package dev.gatehouse.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One connection to an upstream target, the last handler of its pipeline. While bound it passes what it
 * reads to its {@link UpstreamListener}; while idle in a pool it watches for the peer closing it.
 * Also records when a read was asked for and when the socket stopped being writable, for the exchange's
 * read and write timeouts. All state is confined to the channel's event loop.
 */
public final class UpstreamConnection extends ChannelDuplexHandler {

    static final String HANDLER_NAME = "upstream";

    private final InetSocketAddress address;
    /** Which idle list the connection goes back to: its address and TLS settings (connections differ by both). */
    private final Object poolKey;
    private @Nullable Channel channel;
    private @Nullable UpstreamListener listener;
    private @Nullable ConnectionPool idleIn;
    private long idleSinceNanos;
    private long idleTimeoutNanos;
    private int requests;
    private long readPendingSinceNanos;
    private long unwritableSinceNanos;

    UpstreamConnection(InetSocketAddress address, Object poolKey) {
        this.address = address;
        this.poolKey = poolKey;
    }

    Object poolKey() {
        return poolKey;
    }

    public Channel channel() {
        return channel;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** True when this connection carried a request before (a stale keep-alive connection can fail). */
    public boolean reused() {
        return requests > 1;
    }

    /** Starts delivering this connection's events to {@code listener}. */
    public void bind(UpstreamListener listener) {
        this.listener = listener;
        this.idleIn = null;
        this.requests++;
        this.readPendingSinceNanos = 0;
    }

    /** Stops delivering events (before the connection returns to a pool or is closed). */
    /**
     * Hands the connection over to a tunnel after a protocol switch (101): the tunnel handler takes this handler's
     * place and the HTTP codec leaves, passing on any bytes it read past the response head. The connection is no
     * longer the pool's.
     */
    public void becomeTunnel(io.netty.channel.ChannelHandler tunnel) {
        listener = null;
        io.netty.channel.ChannelPipeline p = channel().pipeline();
        p.replace(HANDLER_NAME, "tunnel", tunnel);
        p.remove(ConnectionPool.CODEC_NAME);
    }

    public void unbind() {
        this.listener = null;
    }

    /** Nanos since the oldest unanswered read request, or 0 when no read is waiting. */
    public long readPendingSinceNanos() {
        return readPendingSinceNanos;
    }

    /** Nanos since the socket stopped being writable, or 0 when it is writable. */
    public long unwritableSinceNanos() {
        return unwritableSinceNanos;
    }

    void markIdle(ConnectionPool pool, long nowNanos, long timeoutNanos) {
        this.idleIn = pool;
        this.idleSinceNanos = nowNanos;
        this.idleTimeoutNanos = timeoutNanos;
        // A read stays pending while idle so that a close by the peer is seen at once.
        channel.read();
    }

    boolean idleExpired(long nowNanos) {
        return nowNanos - idleSinceNanos >= idleTimeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (readPendingSinceNanos == 0) {
            readPendingSinceNanos = System.nanoTime();
        }
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readPendingSinceNanos = 0;
        UpstreamListener l = listener;
        if (l != null && msg instanceof HttpObject http) {
            l.onResponseObject(http);
            return;
        }
        // Bytes from an idle connection belong to no request: the connection cannot be trusted any more.
        ReferenceCountUtil.release(msg);
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        unwritableSinceNanos = writable ? 0 : System.nanoTime();
        UpstreamListener l = listener;
        if (l != null) {
            l.onWritabilityChanged(writable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closed(cause);
        ctx.close();
    }

    private void closed(@Nullable Throwable cause) {
        ConnectionPool pool = idleIn;
        if (pool != null) {
            idleIn = null;
            pool.removeIdle(this);
        }
        UpstreamListener l = listener;
        if (l != null) {
            listener = null;
            l.onClosed(cause);
        }
    }
}
