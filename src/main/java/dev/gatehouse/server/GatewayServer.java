package dev.gatehouse.server;

import dev.gatehouse.tls.CertificateStore;
import dev.gatehouse.tls.ServerTls;
import dev.gatehouse.tls.TlsException;
import dev.gatehouse.tls.TlsProviders;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.gatehouse.config.model.ListenerSpec;
import dev.gatehouse.proxy.DrainEvent;
import dev.gatehouse.proxy.ProxyContext;
import dev.gatehouse.runtime.Snapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners and their event loops. One event loop group serves accepts, client connections and upstream
 * connections alike, so that a request never leaves the loop that accepted its connection.
 */
public final class GatewayServer {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final ProxyContext context;
    private final Transport transport;
    private final EventLoopGroup group;
    private final ChannelGroup connections = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final Map<String, Channel> listeners = new LinkedHashMap<>();
    private final Map<String, CertificateStore> certificates = new LinkedHashMap<>();
    private final ScheduledExecutorService certificateWatch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-certificate-watch");
        t.setDaemon(true);
        return t;
    });

    /** @param group the event loops shared by listeners, client and upstream connections */
    public GatewayServer(ProxyContext context, Transport transport, EventLoopGroup group) {
        this.context = context;
        this.transport = transport;
        this.group = group;
    }

    /** An event loop group for the transport; 0 threads means one per available processor. */
    public static EventLoopGroup newEventLoopGroup(Transport transport, int threads) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return new MultiThreadIoEventLoopGroup(n, transport.ioHandlerFactory());
    }

    /** Binds every listener of the snapshot; fails (and unbinds what was bound) when one cannot bind. */
    public void start(Snapshot snapshot) throws InterruptedException {
        for (ListenerSpec spec : snapshot.listeners()) {
            if (spec.tls() != null) {
                try {
                    certificates.put(spec.name(), new CertificateStore(spec.name(), spec.tls(),
                            spec.tls().http2() ? ServerTls.H2_AND_HTTP1 : ServerTls.HTTP1_ONLY));
                } catch (TlsException e) {
                    stopListening();
                    throw new IllegalStateException("listener '" + spec.name() + "': " + e.getMessage(), e);
                }
            }
        }
        if (!certificates.isEmpty()) {
            LOG.info("TLS provider: {}", TlsProviders.describe());
            certificateWatch.scheduleWithFixedDelay(() -> certificates.values()
                    .forEach(CertificateStore::reloadIfChanged), 2, 2, TimeUnit.SECONDS);
        }
        for (ListenerSpec spec : snapshot.listeners()) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
            InetSocketAddress address = new InetSocketAddress(spec.address().host(), spec.address().port());
            Channel channel;
            try {
                // the port is only known after binding when it is 0 (tests)
                channel = b.childHandler(new PortAwareInitializer(spec)).bind(address).sync().channel();
            } catch (Exception e) {
                stopListening();
                throw new IllegalStateException("listener '" + spec.name() + "': cannot bind " + spec.address()
                        + ": " + e.getMessage(), e);
            }
            listeners.put(spec.name(), channel);
            CertificateStore store = certificates.get(spec.name());
            LOG.info("listener '{}' on {} ({})", spec.name(), channel.localAddress(), store == null
                    ? (spec.httpRedirectPort() > 0 ? "http/1.1, redirecting to https" : spec.h2c() ? "http/1.1, h2c"
                            : "http/1.1")
                    : (spec.tls().http2() ? "h2, http/1.1" : "http/1.1") + " over TLS for "
                            + String.join(", ", store.current().names()));
        }
    }

    private final class PortAwareInitializer extends io.netty.channel.ChannelInitializer<Channel> {
        private final ListenerSpec spec;

        PortAwareInitializer(ListenerSpec spec) {
            this.spec = spec;
        }

        @Override
        protected void initChannel(Channel ch) {
            int port = ((InetSocketAddress) ch.localAddress()).getPort();
            ch.pipeline().replace(this, null, new HttpServerInitializer(context, spec, port, connections,
                    certificates.get(spec.name())));
        }
    }

    /**
     * Builds the certificates a configuration change names, without installing them.
     *
     * @return per TLS listener (known since start-up), what {@link #installTls} installs
     * @throws TlsException naming the file that does not load; the running certificates stay
     */
    public Map<String, CertificateStore.Prepared> prepareTls(List<ListenerSpec> next) throws TlsException {
        Map<String, CertificateStore.Prepared> built = new LinkedHashMap<>();
        for (ListenerSpec spec : next) {
            CertificateStore store = certificates.get(spec.name());
            if (store != null && spec.tls() != null) {
                built.put(spec.name(), store.prepare(spec.tls()));
            } else if (store == null && spec.tls() != null) {
                LOG.warn("listener '{}': tls takes effect after a restart", spec.name());
            }
        }
        return built;
    }

    /** Installs what {@link #prepareTls} built: new connections get the new certificates. */
    public void installTls(Map<String, CertificateStore.Prepared> prepared) {
        prepared.forEach((name, p) -> certificates.get(name).install(p));
    }

    /** The port a listener is bound to (useful when it was configured as 0). */
    public int port(String listener) {
        Channel ch = listeners.get(listener);
        if (ch == null) {
            throw new IllegalArgumentException("no listener named " + listener);
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /** Open client connections. */
    public int connectionCount() {
        return connections.size();
    }

    private void stopListening() {
        for (Channel ch : listeners.values()) {
            ch.close().syncUninterruptibly();
        }
        listeners.clear();
    }

    /**
     * Graceful stop: stop accepting, let each connection finish its current exchange and close, wait up to
     * {@code drainTimeout}, close what is left, stop the event loops.
     *
     * @return true when every connection finished within the drain timeout
     */
    /**
     * Stops listening and lets open requests finish for up to {@code drainTimeout}, then closes what is left. The
     * event loops keep running (other users of them, such as the Redis client, close first): {@link #shutdownLoops}.
     *
     * @return whether every connection ended by itself
     */
    public boolean drain(Duration drainTimeout) {
        certificateWatch.shutdownNow();
        stopListening();
        context.startDraining();
        for (Channel ch : connections) {
            ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        }
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean drained = connections.isEmpty();
        if (!drained) {
            LOG.warn("drain timeout: closing {} connections with requests in flight", connections.size());
            connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        return drained;
    }

    /** Ends the event loops, last. */
    public void shutdownLoops() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
