package dev.gatehouse.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The upstream connections of one event loop: keep-alive connections are taken and returned on that loop
 * only, so no bytes and no locks cross threads. Idle connections are kept per target address, most recently
 * used first, and closed past their idle timeout or when the target already has its maximum idle.
 */
public final class ConnectionPool {

    static final String CODEC_NAME = "http-client-codec";
    private static final long SWEEP_INTERVAL_MS = 1000;
    /** Response heads may be larger than what clients send; bodies are relayed in slices of at most this. */
    private static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;
    private static final int MAX_CHUNK_SIZE = 64 * 1024;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    // confined to loop
    private final Map<Object, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
    private int idleCount;
    private boolean sweepScheduled;

    ConnectionPool(EventLoop loop, Class<? extends Channel> channelClass) {
        this.loop = loop;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
    }

    /** A live idle connection to {@code address} with these TLS settings, or null; the caller binds it. */
    public @Nullable UpstreamConnection pollIdle(InetSocketAddress address, @Nullable UpstreamTls tls) {
        assert loop.inEventLoop();
        ArrayDeque<UpstreamConnection> deque = idle.get(key(address, tls));
        if (deque == null) {
            return null;
        }
        UpstreamConnection c;
        while ((c = deque.pollFirst()) != null) {
            idleCount--;
            if (c.channel().isActive()) {
                return c;
            }
        }
        return null;
    }

    /**
     * Opens a new connection. The future completes on this loop; on success the channel's pipeline ends with an
     * {@link UpstreamConnection} (see {@link #connection(Channel)}).
     */
    public ChannelFuture connect(InetSocketAddress address, Duration connectTimeout) {
        return connect(address, connectTimeout, null, "");
    }

    /**
     * Opens a new connection, with TLS first when {@code tls} is set (the request waits for the handshake; a
     * failed handshake closes the connection, which the relay answers 502).
     *
     * @param authority the target's {@code host:port}, for SNI and the certificate check
     */
    public ChannelFuture connect(InetSocketAddress address, Duration connectTimeout, @Nullable UpstreamTls tls,
            String authority) {
        assert loop.inEventLoop();
        UpstreamConnection connection = new UpstreamConnection(address, key(address, tls));
        bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                connectTimeout.toMillis()));
        bootstrap.handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                HttpDecoderConfig decoder = new HttpDecoderConfig()
                        .setMaxHeaderSize(MAX_RESPONSE_HEADER_SIZE)
                        .setMaxChunkSize(MAX_CHUNK_SIZE);
                if (tls != null) {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc(), authority, address.getPort()));
                }
                ch.pipeline().addLast(CODEC_NAME, new HttpClientCodec(decoder, false, false));
                ch.pipeline().addLast(UpstreamConnection.HANDLER_NAME, connection);
            }
        });
        return bootstrap.connect(address);
    }

    /** Plain connections by address; TLS ones by address and settings (equal settings share, across reloads). */
    private static Object key(InetSocketAddress address, @Nullable UpstreamTls tls) {
        return tls == null ? address : java.util.List.of(address, tls.settings());
    }

    /** The connection handler of a channel opened by {@link #connect}. */
    public static UpstreamConnection connection(Channel channel) {
        return (UpstreamConnection) channel.pipeline().get(UpstreamConnection.HANDLER_NAME);
    }

    /** Returns a connection whose exchange completed cleanly; it is kept idle or closed. */
    public void release(UpstreamConnection connection, int maxIdlePerTarget, Duration idleTimeout) {
        assert loop.inEventLoop();
        connection.unbind();
        Channel ch = connection.channel();
        if (!ch.isActive() || maxIdlePerTarget == 0) {
            ch.close();
            return;
        }
        ArrayDeque<UpstreamConnection> deque = idle.computeIfAbsent(connection.poolKey(), a -> new ArrayDeque<>());
        if (deque.size() >= maxIdlePerTarget) {
            ch.close();
            return;
        }
        deque.addFirst(connection);
        idleCount++;
        connection.markIdle(this, System.nanoTime(), idleTimeout.toNanos());
        if (!sweepScheduled) {
            sweepScheduled = true;
            loop.schedule(this::sweep, SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);
        }
    }

    void removeIdle(UpstreamConnection connection) {
        ArrayDeque<UpstreamConnection> deque = idle.get(connection.poolKey());
        if (deque != null && deque.remove(connection)) {
            idleCount--;
        }
    }

    private void sweep() {
        sweepScheduled = false;
        long now = System.nanoTime();
        for (ArrayDeque<UpstreamConnection> deque : idle.values()) {
            // oldest at the tail
            Iterator<UpstreamConnection> it = deque.descendingIterator();
            while (it.hasNext()) {
                UpstreamConnection c = it.next();
                if (!c.idleExpired(now)) {
                    break;
                }
                it.remove();
                idleCount--;
                c.unbind();
                c.channel().close();
            }
        }
        if (idleCount > 0) {
            sweepScheduled = true;
            loop.schedule(this::sweep, SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);
        }
    }
}
