package dev.gatehouse.server;

import dev.gatehouse.config.model.ListenerLimits;
import dev.gatehouse.config.model.ListenerSpec;
import dev.gatehouse.proxy.DrainEvent;
import dev.gatehouse.proxy.Http2StreamAdapter;
import dev.gatehouse.proxy.ProxyContext;
import dev.gatehouse.proxy.ProxyHandler;
import dev.gatehouse.proxy.TlsFacts;
import dev.gatehouse.tls.CertificateStore;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The pipeline of a client connection. TLS first when the listener has it (the certificate chosen by SNI), then the
 * protocol: ALPN picks HTTP/2 or HTTP/1.1 on TLS; on a plain listener, the first bytes tell h2c (prior knowledge)
 * from HTTP/1.1. HTTP/1.1 gets client timeouts, the codec with the listener's limits, and the proxy; HTTP/2 gets the
 * frame codec and one child channel per stream, each with its own timeouts and proxy, so every request goes through
 * the same routing, plugins and limits. Settings are read from the snapshot current when the connection is accepted.
 */
final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {

    static final String CODEC = ProxyHandler.HTTP_CODEC;
    static final String TLS = "tls";
    private static final int MAX_CLIENT_HELLO = 16 * 1024;
    private static final long HANDSHAKE_TIMEOUT_MS = 10_000;
    /** Request body slices handed to the proxy are at most this large. */
    private static final int MAX_CHUNK_SIZE = 64 * 1024;
    /** Streams reset within a window beyond which the connection is closed (CVE-2023-44487, "rapid reset"). */
    private static final int MAX_RESETS = 200;
    private static final int RESET_WINDOW_SECONDS = 30;

    private final ProxyContext context;
    private final ListenerSpec listener;
    private final int port;
    private final ChannelGroup connections;
    private final @Nullable CertificateStore certificates;

    HttpServerInitializer(ProxyContext context, ListenerSpec listener, int port, ChannelGroup connections,
            @Nullable CertificateStore certificates) {
        this.context = context;
        this.listener = listener;
        this.port = port;
        this.connections = connections;
        this.certificates = certificates;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // the listener's settings as the current snapshot has them (its address is fixed at start-up)
        ListenerSpec current = context.snapshots().current().listeners().stream()
                .filter(l -> l.name().equals(listener.name())).findFirst().orElse(listener);
        ListenerLimits limits = context.snapshots().current().limits(listener.name());
        ChannelPipeline p = ch.pipeline();
        if (certificates != null) {
            // the handler replaces itself with an SslHandler once the ClientHello named a host
            p.addLast(TLS, new SniHandler(certificates::context, MAX_CLIENT_HELLO, HANDSHAKE_TIMEOUT_MS));
            p.addLast(new TlsFacts(current.tls() != null
                    && current.tls().clientAuth() != dev.gatehouse.config.model.TlsSpec.ClientAuth.NONE));
            if (current.tls() != null && current.tls().http2()) {
                p.addLast(new AlpnSwitch(current, limits));
            } else {
                http1(p, current, limits);
            }
        } else if (current.h2c() && current.httpRedirectPort() == 0) {
            p.addLast(new PriorKnowledgeDetector(c -> http1(c.pipeline(), current, limits),
                    c -> http2(c.pipeline(), current, limits)));
        } else {
            http1(p, current, limits);
        }
        connections.add(ch);
    }

    private void http1(ChannelPipeline p, ListenerSpec current, ListenerLimits limits) {
        ClientTimeoutHandler timeouts = new ClientTimeoutHandler(limits);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK_SIZE);
        p.addLast(ClientTimeoutHandler.NAME, timeouts)
                .addLast(CODEC, new HttpServerCodec(decoder))
                .addLast(ProxyHandler.NAME, new ProxyHandler(context, timeouts, limits, port, current));
    }

    private void http2(ChannelPipeline p, ListenerSpec current, ListenerLimits limits) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(limits.maxConcurrentStreams())
                        .maxHeaderListSize(limits.maxHeaderSize()))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .validateHeaders(true)
                .build();
        // the connection reads freely: each stream's flow-control window bounds what waits for its proxy
        p.channel().config().setAutoRead(true);
        long idle = limits.keepaliveTimeout().toMillis();
        if (idle > 0) {
            p.addLast(new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
        }
        // many streams answer within one read burst: one write to the socket for all of them
        p.addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addLast(codec)
                .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.config().setAutoRead(false);
                        ClientTimeoutHandler timeouts = new ClientTimeoutHandler(limits);
                        stream.pipeline()
                                .addLast(new Http2StreamFrameToHttpObjectCodec(true, true))
                                .addLast(new Http2StreamAdapter())
                                .addLast(ClientTimeoutHandler.NAME, timeouts)
                                .addLast(ProxyHandler.NAME, new ProxyHandler(context, timeouts, limits, port,
                                        current));
                    }
                }))
                .addLast(new Http2ConnectionEvents(codec));
        p.channel().read();
    }

    /** HTTP/2 or HTTP/1.1, as the TLS handshake's ALPN decided (HTTP/1.1 for clients that offer nothing). */
    private final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {
        private final ListenerSpec current;
        private final ListenerLimits limits;

        AlpnSwitch(ListenerSpec current, ListenerLimits limits) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.current = current;
            this.limits = limits;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline(), current, limits);
            } else {
                http1(ctx.pipeline(), current, limits);
            }
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
            super.handlerAdded(ctx);
            if (ctx.channel().isActive()) {
                ctx.read();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            ctx.read();
            super.channelActive(ctx);
        }
    }

    /**
     * Connection-level events of HTTP/2: a graceful drain sends GOAWAY and closes once the streams in flight are
     * done; an idle connection (no stream open for the keep-alive timeout) is closed the same way.
     */
    private static final class Http2ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        Http2ConnectionEvents(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == DrainEvent.INSTANCE) {
                ctx.close();
                return;
            }
            if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a reset or broken connection: its streams are failed by the codec; nothing else to report
            ctx.close();
        }
    }
}
