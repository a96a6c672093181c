package dev.gatehouse.server;

import dev.gatehouse.tls.CertificateStore;
import io.netty.handler.ssl.SniHandler;
import org.jspecify.annotations.Nullable;
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
    static final String TLS = "tls";
    private static final int MAX_CLIENT_HELLO = 16 * 1024;
    private static final long HANDSHAKE_TIMEOUT_MS = 10_000;
    /** Request body slices handed to the proxy are at most this large. */
    private static final int MAX_CHUNK_SIZE = 64 * 1024;

    private final ProxyContext context;
    private final ListenerSpec listener;
    private final int port;
    private final ChannelGroup connections;

    private final @Nullable CertificateStore certificates;

    HttpServerInitializer(ProxyContext context, ListenerSpec listener, int port, ChannelGroup connections,
            @Nullable CertificateStore certificates) {
        this.certificates = certificates;
        this.context = context;
        this.listener = listener;
        this.port = port;
        this.connections = connections;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // the listener's settings as the current snapshot has them (its address is fixed at start-up)
        ListenerSpec current = context.snapshots().current().listeners().stream()
                .filter(l -> l.name().equals(listener.name())).findFirst().orElse(listener);
        ListenerLimits limits = context.snapshots().current().limits(listener.name());
        if (certificates != null) {
            // the certificate is chosen by SNI; the handler replaces itself with an SslHandler
            ch.pipeline().addLast(TLS, new SniHandler(certificates::context, MAX_CLIENT_HELLO, HANDSHAKE_TIMEOUT_MS));
        }
        ClientTimeoutHandler timeouts = new ClientTimeoutHandler(limits);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK_SIZE);
        ch.pipeline()
                .addLast(ClientTimeoutHandler.NAME, timeouts)
                .addLast(CODEC, new HttpServerCodec(decoder))
                .addLast(ProxyHandler.NAME, new ProxyHandler(context, timeouts, limits, port, current));
        connections.add(ch);
    }
}
