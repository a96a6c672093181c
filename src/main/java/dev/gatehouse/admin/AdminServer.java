package dev.gatehouse.admin;

import dev.gatehouse.config.model.HostPort;
import dev.gatehouse.config.model.TlsSpec;
import dev.gatehouse.tls.CertificateStore;
import dev.gatehouse.tls.ServerTls;
import dev.gatehouse.tls.TlsException;
import io.netty.handler.ssl.SniHandler;
import org.jspecify.annotations.Nullable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin and status listeners, on an event loop of their own (so the Admin API answers while the proxy is
 * saturated), with one admin thread that runs every call in order. Admin bodies are small and aggregated (up to
 * {@value #MAX_BODY} bytes): this is not the data plane.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final int MAX_BODY = 16 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> channelClass;
    private final ExecutorService adminThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-admin");
        t.setDaemon(true);
        return t;
    });
    private final List<Channel> channels = new ArrayList<>();

    public AdminServer(EventLoopGroup group, Class<? extends ServerChannel> channelClass) {
        this.group = group;
        this.channelClass = channelClass;
    }

    /**
     * Binds a listener.
     *
     * @param readOnly true for the status listener: health, status and metrics only, no token
     * @return the bound port
     */
    public int bind(String name, HostPort address, @Nullable TlsSpec tls, GatewayControl control, boolean readOnly)
            throws InterruptedException, TlsException {
        AdminApi api = new AdminApi(control, readOnly);
        CertificateStore certificates = tls == null ? null : new CertificateStore(name, tls, ServerTls.HTTP1_ONLY);
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (certificates != null) {
                            ch.pipeline().addLast(new SniHandler(certificates::context));
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(60, TimeUnit.SECONDS), new HttpServerCodec(),
                                new HttpObjectAggregator(MAX_BODY), new AdminHandler(api, adminThread));
                    }
                })
                .bind(address.host(), address.port()).sync().channel();
        channels.add(channel);
        int port = ((InetSocketAddress) channel.localAddress()).getPort();
        LOG.info("{} listening on {}:{}{}", name, address.host(), port, tls == null ? "" : " (https)");
        return port;
    }

    @Override
    public void close() {
        channels.forEach(Channel::close);
        adminThread.shutdown();
    }
}
