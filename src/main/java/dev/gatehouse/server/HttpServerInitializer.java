package dev.gatehouse.server;

import dev.gatehouse.config.model.ListenerLimits;
import dev.gatehouse.config.model.ListenerSpec;
import dev.gatehouse.proxy.ProxyContext;
import dev.gatehouse.proxy.ProxyHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The pipeline of a plain HTTP/1.1 client connection: client timeouts, the codec with the listener's limits,
 * then the proxy. Limits are read from the snapshot current when the connection is accepted.
 */
final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {

    static final String CODEC = "http-server-codec";
    /** Request body slices handed to the proxy are at most this large. */
    private static final int MAX_CHUNK_SIZE = 64 * 1024;

    private final ProxyContext context;
    private final ListenerSpec listener;
    private final int port;
    private final ChannelGroup connections;

    HttpServerInitializer(ProxyContext context, ListenerSpec listener, int port, ChannelGroup connections) {
        this.context = context;
        this.listener = listener;
        this.port = port;
        this.connections = connections;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ListenerLimits limits = context.snapshots().current().limits(listener.name());
        ClientTimeoutHandler timeouts = new ClientTimeoutHandler(limits);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK_SIZE);
        ch.pipeline()
                .addLast(ClientTimeoutHandler.NAME, timeouts)
                .addLast(CODEC, new HttpServerCodec(decoder))
                .addLast(ProxyHandler.NAME, new ProxyHandler(context, timeouts, limits, port));
        connections.add(ch);
    }
}
