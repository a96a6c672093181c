package dev.gatehouse.boot;

import dev.gatehouse.cluster.RedisStore;
import dev.gatehouse.config.model.AccessLogSpec;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.source.YamlConfigLoader;
import dev.gatehouse.observe.AccessLog;
import dev.gatehouse.observe.AccessLogWriter;
import dev.gatehouse.plugin.runtime.PluginCatalog;
import dev.gatehouse.plugin.runtime.PluginStates;
import dev.gatehouse.proxy.ProxyContext;
import dev.gatehouse.runtime.Snapshot;
import dev.gatehouse.runtime.SnapshotCompiler;
import dev.gatehouse.runtime.SnapshotHolder;
import dev.gatehouse.server.GatewayServer;
import dev.gatehouse.server.Transport;
import dev.gatehouse.upstream.ActiveHealthChecker;
import dev.gatehouse.upstream.ConnectionPools;
import dev.gatehouse.upstream.DnsRefresher;
import dev.gatehouse.upstream.DnsTargetResolver;
import dev.gatehouse.upstream.TargetResolver;
import dev.gatehouse.upstream.EndpointRegistry;
import dev.gatehouse.upstream.UpstreamGroup;
import java.util.List;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway, wired by hand: the config file, the snapshot holder, the event loops, the listeners and
 * the access log. {@link #reload()} re-reads the file and swaps the snapshot, or keeps the running one.
 */
public final class GatehouseInstance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatehouseInstance.class);

    private final Path configFile;
    private final YamlConfigLoader loader = new YamlConfigLoader();
    private final SnapshotHolder holder;
    private final GatewayServer server;
    private final AccessLog accessLog;
    private final EndpointRegistry registry;
    private final EventLoopGroup loops;
    private final Transport transport;
    private final TargetResolver resolver;
    private final PluginCatalog catalog;
    private final @Nullable RedisStore store;
    private final PluginStates pluginStates;
    private final Object reloadLock = new Object();
    // guarded by reloadLock: health checkers and DNS refreshers of the current snapshot
    private List<Runnable> stopBackgroundTasks = List.of();

    private GatehouseInstance(Path configFile, SnapshotHolder holder, GatewayServer server, AccessLog accessLog,
            EndpointRegistry registry, EventLoopGroup loops, Transport transport, TargetResolver resolver,
            PluginCatalog catalog, @Nullable RedisStore store, PluginStates pluginStates) {
        this.configFile = configFile;
        this.pluginStates = pluginStates;
        this.catalog = catalog;
        this.store = store;
        this.resolver = resolver;
        this.registry = registry;
        this.loops = loops;
        this.transport = transport;
        this.holder = holder;
        this.server = server;
        this.accessLog = accessLog;
    }

    /** Loads, validates and compiles the file, then binds its listeners. */
    public static GatehouseInstance start(Path configFile) throws ConfigException, IOException, InterruptedException {
        GatewaySpec spec = new YamlConfigLoader().load(configFile);
        Transport transport = Transport.detect();
        if (transport.name().equals("epoll")) {
            LOG.info("transport: native epoll");
        } else {
            LOG.info("transport: nio (epoll unavailable: {})", Transport.epollUnavailableReason());
        }
        EventLoopGroup group = GatewayServer.newEventLoopGroup(transport, spec.workerThreads());
        // name servers and TTL bounds are read at start-up
        TargetResolver resolver = new DnsTargetResolver(group.next(), transport.datagramChannelClass(), spec.dns());
        EndpointRegistry registry = new EndpointRegistry();
        PluginCatalog catalog = PluginCatalog.load(pluginsDir(configFile));
        PluginStates pluginStates = new PluginStates();
        // the shared store is set up at start-up; a reload that changes redis: keeps this one (logged)
        RedisStore store = spec.redis() == null ? null : new RedisStore(spec.redis());
        Snapshot snapshot;
        AccessLog accessLog;
        try {
            snapshot = new SnapshotCompiler(configFile.toString(), registry, resolver, catalog, store, pluginStates)
                    .compile(spec, 1);
            AccessLogSpec logSpec = spec.accessLog();
            accessLog = logSpec.enabled()
                    ? AccessLogWriter.open(logSpec.target(), logSpec.format() == AccessLogSpec.Format.JSON)
                    : AccessLog.OFF;
        } catch (ConfigException | IOException | RuntimeException e) {
            resolver.close();
            pluginStates.closeAll();
            if (store != null) {
                store.close();
            }
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
            throw e;
        }
        SnapshotHolder holder = new SnapshotHolder(snapshot);
        ProxyContext context = new ProxyContext(holder, new ConnectionPools(transport.socketChannelClass()), accessLog);
        GatewayServer server = new GatewayServer(context, transport, group);
        try {
            server.start(snapshot);
        } catch (RuntimeException e) {
            resolver.close();
            pluginStates.closeAll();
            if (store != null) {
                store.close();
            }
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
            closeLog(accessLog);
            throw e;
        }
        LOG.info("gatehouse {} started: {} listeners, {} routes, {} upstreams, {} services (config revision 1)",
                Version.current(), spec.listeners().size(), spec.routes().size(), spec.upstreams().size(),
                spec.services().size());
        GatehouseInstance instance = new GatehouseInstance(configFile, holder, server, accessLog, registry, group,
                transport, resolver, catalog, store, pluginStates);
        synchronized (instance.reloadLock) {
            instance.restartBackgroundTasks(snapshot);
        }
        return instance;
    }

    /** Third-party plugin jars live in {@code plugins/} beside the configuration file. */
    public static Path pluginsDir(Path configFile) {
        Path parent = configFile.toAbsolutePath().getParent();
        return parent.resolve("plugins");
    }

    /**
     * Re-reads the config file. A valid file becomes the next snapshot; an invalid one is logged with every
     * error and the running snapshot keeps serving. Listener addresses and the access log are fixed at start.
     *
     * @return true when the new file was swapped in
     */
    public boolean reload() {
        synchronized (reloadLock) {
            Snapshot current = holder.current();
            try {
                GatewaySpec spec = loader.load(configFile);
                Snapshot next = new SnapshotCompiler(configFile.toString(), registry, resolver, catalog, store,
                        pluginStates).compile(spec, current.revision() + 1);
                if (!spec.listeners().stream().map(l -> l.name() + "@" + l.address())
                        .toList().equals(current.listeners().stream().map(l -> l.name() + "@" + l.address()).toList())) {
                    LOG.warn("reload: listener names and addresses take effect after a restart; limits apply to new "
                            + "connections now");
                }
                holder.swap(next);
                registry.retain(next.endpointStates());
                pluginStates.retain(next.pluginStates());
                restartBackgroundTasks(next);
                LOG.info("reload: config revision {} active ({} routes)", next.revision(), spec.routes().size());
                return true;
            } catch (ConfigException e) {
                LOG.error("reload rejected, revision {} keeps serving:\n{}", current.revision(), e.getMessage());
                return false;
            } catch (RuntimeException e) {
                LOG.error("reload failed, revision {} keeps serving", current.revision(), e);
                return false;
            }
        }
    }

    /**
     * Stops the health probes and DNS refreshes of the previous snapshot and starts those of {@code snapshot}.
     * Under reloadLock.
     */
    private void restartBackgroundTasks(Snapshot snapshot) {
        stopBackgroundTasks.forEach(Runnable::run);
        List<Runnable> stops = new java.util.ArrayList<>();
        for (UpstreamGroup group : snapshot.upstreams().values()) {
            if (group.activeCheck() != null) {
                ActiveHealthChecker checker = new ActiveHealthChecker(group, group.activeCheck(), loops,
                        transport.socketChannelClass(), registry);
                checker.start();
                stops.add(checker::stop);
            }
            if (!group.hostNames().isEmpty()) {
                DnsRefresher refresher = new DnsRefresher(group, resolver, loops.next());
                refresher.start();
                stops.add(refresher::stop);
            }
        }
        stopBackgroundTasks = List.copyOf(stops);
    }

    public Snapshot snapshot() {
        return holder.current();
    }

    /** The health of every target of an upstream (for the Admin API); empty for an unknown upstream. */
    public List<UpstreamGroup.TargetHealth> upstreamHealth(String upstream) {
        UpstreamGroup group = holder.current().upstreams().get(upstream);
        return group == null ? List.of() : group.health();
    }

    public int port(String listener) {
        return server.port(listener);
    }

    public int connectionCount() {
        return server.connectionCount();
    }

    /** Graceful stop within the configured drain timeout. */
    @Override
    public void close() {
        stop(holder.current().spec().drainTimeout());
    }

    /** @return true when every connection finished within {@code drainTimeout} */
    public boolean stop(Duration drainTimeout) {
        LOG.info("stopping: draining connections for up to {}", drainTimeout);
        synchronized (reloadLock) {
            stopBackgroundTasks.forEach(Runnable::run);
        }
        boolean drained = server.stop(drainTimeout);
        resolver.close();
        pluginStates.closeAll();
        if (store != null) {
            store.close();
        }
        closeLog(accessLog);
        LOG.info("stopped");
        return drained;
    }

    private static void closeLog(AccessLog log) {
        if (log instanceof AccessLogWriter writer) {
            writer.close();
        }
    }
}
