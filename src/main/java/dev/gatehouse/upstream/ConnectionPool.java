package dev.gatehouse.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
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
    /** HTTP/2 connections (or connections being opened) per target and TLS settings. */
    private final Map<Object, Future<Channel>> h2Connections = new HashMap<>();
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
     * Opens a new HTTP/1.1 connection, with TLS first when {@code tls} is set (the request waits for the
     * handshake; a failed handshake closes the connection, which the relay answers 502). The future completes on
     * this loop; on success the channel's pipeline ends with an {@link UpstreamConnection}.
     *
     * @param authority the target's {@code host:port}, for SNI and the certificate check
     */
    private ChannelFuture connect(InetSocketAddress address, Duration connectTimeout, @Nullable UpstreamTls tls,
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

    /**
     * A connection for one exchange, as a future channel whose pipeline ends with an {@link UpstreamConnection}:
     * a new HTTP/1.1 connection (the caller tried {@link #pollIdle} first), or a new stream on this loop's HTTP/2
     * connection to the target (opened on first use, replaced once it is closing or full).
     */
    public Future<Channel> open(InetSocketAddress address, Duration connectTimeout, @Nullable UpstreamTls tls,
            String authority, boolean http2) {
        assert loop.inEventLoop();
        Promise<Channel> result = loop.newPromise();
        if (!http2) {
            ChannelFuture f = connect(address, connectTimeout, tls, authority);
            f.addListener(done -> {
                if (f.isSuccess()) {
                    result.setSuccess(f.channel());
                } else {
                    result.setFailure(f.cause());
                }
            });
            return result;
        }
        Object key = java.util.List.of("h2", key(address, tls));
        Future<Channel> parent = h2Connections.get(key);
        if (parent == null || parent.isDone() && (!parent.isSuccess() || !usable(parent.getNow()))) {
            Future<Channel> opening = connectHttp2(address, connectTimeout, tls, authority);
            h2Connections.put(key, opening);
            opening.addListener(f -> {
                if (!f.isSuccess()) {
                    h2Connections.remove(key, opening);
                }
            });
            parent = opening;
        }
        parent.addListener(f -> {
            if (!f.isSuccess()) {
                result.setFailure(f.cause());
                return;
            }
            Channel connection = (Channel) f.getNow();
            new Http2StreamChannelBootstrap(connection).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                    stream.config().setAutoRead(false);
                    stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false))
                            .addLast(new Http2ResponseAdapter())
                            .addLast(UpstreamConnection.HANDLER_NAME, new UpstreamConnection(address, key));
                }
            }).open().addListener(s -> {
                if (s.isSuccess()) {
                    result.setSuccess((Channel) s.getNow());
                } else {
                    result.setFailure(s.cause());
                }
            });
        });
        return result;
    }

    /** An HTTP/2 connection that may carry another stream: open, not told to go away, below its stream limit. */
    private static boolean usable(Channel connection) {
        Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
        return connection.isActive() && codec != null && !codec.connection().goAwayReceived()
                && codec.connection().local().canOpenStream();
    }

    private Future<Channel> connectHttp2(InetSocketAddress address, Duration connectTimeout,
            @Nullable UpstreamTls tls, String authority) {
        Promise<Channel> ready = loop.newPromise();
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        connectTimeout.toMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), authority, address.getPort()));
                        }
                        // streams read only when their relay asks: each stream's window bounds what waits
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                new Http2MultiplexHandler(new io.netty.channel.ChannelInboundHandlerAdapter()));
                    }
                });
        ChannelFuture f = b.connect(address);
        f.addListener(done -> {
            if (!f.isSuccess()) {
                ready.setFailure(f.cause());
                return;
            }
            io.netty.handler.ssl.SslHandler ssl = f.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class);
            if (ssl == null) {
                ready.setSuccess(f.channel());
                return;
            }
            ssl.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    ready.setSuccess(f.channel());
                } else {
                    ready.setFailure(h.cause());
                }
            });
        });
        return ready;
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
        if (ch instanceof Http2StreamChannel) {
            // a stream serves one exchange; its connection stays for the next
            ch.close();
            return;
        }
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
