package dev.gatehouse.boot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.admin.AdminServer;
import dev.gatehouse.admin.GatewayControl;
import dev.gatehouse.cluster.RedisStore;
import dev.gatehouse.config.model.AccessLogSpec;
import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.ConfigNode;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.model.SpecBinder;
import dev.gatehouse.config.source.ConfigDocuments;
import dev.gatehouse.config.source.ConfigFileWatcher;
import dev.gatehouse.config.source.YamlConfigLoader;
import dev.gatehouse.observe.AccessLog;
import dev.gatehouse.observe.AccessLogFormatter;
import dev.gatehouse.observe.AccessLogWriter;
import dev.gatehouse.observe.Metrics;
import dev.gatehouse.observe.Tracing;
import dev.gatehouse.plugin.runtime.PluginCatalog;
import dev.gatehouse.plugin.api.ResponseCache;
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
import dev.gatehouse.upstream.Endpoint;
import dev.gatehouse.upstream.EndpointRegistry;
import dev.gatehouse.upstream.TargetResolver;
import dev.gatehouse.upstream.UpstreamGroup;
import dev.gatehouse.tls.CertificateStore;
import dev.gatehouse.tls.TlsException;
import java.util.Map;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway, wired by hand: the configuration (the file, or the Admin API's state file when that is
 * newer), the snapshot holder, the event loops, the listeners, the admin and status listeners, the metrics and the
 * access log. Every configuration change (file reload, Admin API write) goes the same way: bind and validate,
 * compile, swap, under one lock, so revisions stay in order.
 */
public final class GatehouseInstance implements AutoCloseable, GatewayControl {

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
    private final Metrics metrics;
    private final Tracing tracing;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Object reloadLock = new Object();
    // guarded by reloadLock: health checkers and DNS refreshers of the current snapshot
    private List<Runnable> stopBackgroundTasks = List.of();
    /** The document the running snapshot was built from (what the Admin API reads and changes). */
    private volatile JsonNode document;
    private volatile boolean ready;
    private @Nullable AdminServer admin;
    private @Nullable ConfigFileWatcher watcher;
    /** The digest of the file's content as last read (applied or rejected), so that only real changes reload. */
    private volatile byte[] fileDigest = new byte[0];
    private @Nullable EventLoopGroup adminLoop;
    private final java.util.Map<String, Integer> adminPorts = new java.util.HashMap<>();

    private GatehouseInstance(Path configFile, SnapshotHolder holder, GatewayServer server, AccessLog accessLog,
            EndpointRegistry registry, EventLoopGroup loops, Transport transport, TargetResolver resolver,
            PluginCatalog catalog, @Nullable RedisStore store, PluginStates pluginStates, Metrics metrics,
            JsonNode document, Tracing tracing) {
        this.tracing = tracing;
        this.configFile = configFile;
        this.catalog = catalog;
        this.store = store;
        this.resolver = resolver;
        this.registry = registry;
        this.loops = loops;
        this.transport = transport;
        this.holder = holder;
        this.server = server;
        this.accessLog = accessLog;
        this.pluginStates = pluginStates;
        this.metrics = metrics;
        this.document = document;
    }

    /** Where the Admin API keeps its changes: beside the configuration file, {@code NAME.state.json}. */
    public static Path stateFile(Path configFile) {
        String name = configFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return configFile.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".state.json");
    }

    /**
     * Loads, validates and compiles the configuration, then binds the listeners. The configuration is the file,
     * unless the Admin API's state file is at least as new as the file: then the state wins (the last change an
     * operator made, through either, is what runs).
     */
    public static GatehouseInstance start(Path configFile) throws ConfigException, IOException, InterruptedException {
        YamlConfigLoader loader = new YamlConfigLoader();
        JsonNode document;
        GatewaySpec spec;
        Path state = stateFile(configFile);
        if (Files.exists(state) && Files.getLastModifiedTime(state).compareTo(
                Files.getLastModifiedTime(configFile)) >= 0) {
            LOG.info("using the Admin API state {} (not older than {})", state, configFile);
            document = readState(state);
            spec = SpecBinder.bind(state.toString(), ConfigDocuments.fromJson(document),
                    configFile.toAbsolutePath().getParent());
        } else {
            if (Files.exists(state)) {
                LOG.warn("{} is newer than the Admin API state {}: the file wins", configFile, state);
            }
            ConfigNode tree = loader.read(configFile);
            spec = SpecBinder.bind(configFile.toString(), tree);
            document = ConfigDocuments.toJson(tree);
        }
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
        Metrics metrics = new Metrics();
        // the shared store is set up at start-up; a reload that changes redis: keeps this one (logged)
        RedisStore store = spec.redis() == null ? null
                : new RedisStore(spec.redis(), transport.name().equals("epoll") ? group : null);
        Snapshot snapshot;
        AccessLog accessLog;
        try {
            snapshot = new SnapshotCompiler(configFile.toString(), registry, resolver, catalog, store, pluginStates)
                    .compile(spec, 1);
            AccessLogSpec logSpec = spec.accessLog();
            accessLog = logSpec.enabled() ? AccessLogWriter.open(logSpec.target(), switch (logSpec.format()) {
                case COMBINED -> AccessLogFormatter::combined;
                case JSON -> AccessLogFormatter::json;
                case TEMPLATE -> AccessLogFormatter.template(logSpec.template());
            }) : AccessLog.OFF;
        } catch (ConfigException | IOException | RuntimeException e) {
            resolver.close();
            pluginStates.closeAll();
            if (store != null) {
                store.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        SnapshotHolder holder = new SnapshotHolder(snapshot);
        // tracing is set up at start-up, like the access log
        Tracing tracing = spec.tracing() == null ? Tracing.OFF : Tracing.create(spec.tracing().otlpEndpoint(),
                spec.tracing().samplingRatio(), spec.tracing().serviceName());
        ProxyContext context = new ProxyContext(holder, new ConnectionPools(transport.socketChannelClass()), accessLog,
                metrics, tracing);
        GatewayServer server = new GatewayServer(context, transport, group);
        GatehouseInstance instance = new GatehouseInstance(configFile, holder, server, accessLog, registry, group,
                transport, resolver, catalog, store, pluginStates, metrics, document, tracing);
        try {
            server.start(snapshot);
            instance.startAdmin(spec);
        } catch (TlsException e) {
            instance.stop(Duration.ZERO);
            throw new IllegalStateException("admin: " + e.getMessage(), e);
        } catch (RuntimeException | InterruptedException e) {
            instance.stop(Duration.ZERO);
            throw e;
        }
        instance.registerGauges();
        LOG.info("gatehouse {} started: {} listeners, {} routes, {} upstreams, {} services (config revision 1)",
                Version.current(), spec.listeners().size(), spec.routes().size(), spec.upstreams().size(),
                spec.services().size());
        synchronized (instance.reloadLock) {
            instance.restartBackgroundTasks(snapshot);
        }
        instance.fileDigest = digest(configFile);
        if (spec.watchConfig()) {
            instance.watcher = ConfigFileWatcher.start(configFile, instance::reloadIfChanged, Duration.ofMillis(500));
        }
        instance.ready = true;
        return instance;
    }

    private void startAdmin(GatewaySpec spec) throws InterruptedException, TlsException {
        if (spec.admin() == null && spec.status() == null) {
            return;
        }
        adminLoop = GatewayServer.newEventLoopGroup(transport, 1);
        admin = new AdminServer(adminLoop, transport.serverChannelClass());
        if (spec.admin() != null) {
            if (spec.admin().token() == null && spec.admin().tls() == null
                    && !loopback(spec.admin().address().host())) {
                LOG.warn("the Admin API listens on {} without a token: anyone who reaches it can change the "
                        + "configuration", spec.admin().address());
            }
            adminPorts.put("admin", admin.bind("admin API", spec.admin().address(), spec.admin().tls(), this, false));
        }
        if (spec.status() != null) {
            adminPorts.put("status", admin.bind("status API", spec.status().address(), null, this, true));
        }
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private void registerGauges() {
        metrics.gauge("gatehouse.connections.active", "open client connections", server,
                GatewayServer::connectionCount);
        metrics.gauge("gatehouse.config.revision", "the running configuration's revision", holder,
                h -> h.current().revision());
        if (store != null) {
            metrics.functionCounter("gatehouse.redis.failures", "Redis calls that failed or timed out", store,
                    RedisStore::failures);
        }
        metrics.functionCounter("gatehouse.cache.hits", "requests answered from a response cache", this,
                g -> g.cachesByScope().values().stream().mapToLong(ResponseCache::hits).sum());
        metrics.functionCounter("gatehouse.cache.misses", "requests a response cache sent to the upstream", this,
                g -> g.cachesByScope().values().stream().mapToLong(ResponseCache::misses).sum());
        metrics.gauge("gatehouse.cache.stored.bytes", "bytes of responses held by in-memory caches", this,
                g -> g.cachesByScope().values().stream().mapToLong(c -> Math.max(0, c.storedBytes())).sum());
        publishTargets(holder.current());
    }

    private void publishTargets(Snapshot snapshot) {
        List<Metrics.TargetRow> rows = new ArrayList<>();
        for (UpstreamGroup group : snapshot.upstreams().values()) {
            for (Endpoint e : group.endpoints()) {
                rows.add(new Metrics.TargetRow(group.name(), e.authority(),
                        () -> e.state().available(System.nanoTime()), () -> e.state().ejections()));
            }
        }
        metrics.targets(rows);
    }

    /** Third-party plugin jars live in {@code plugins/} beside the configuration file. */
    public static Path pluginsDir(Path configFile) {
        Path parent = configFile.toAbsolutePath().getParent();
        return parent.resolve("plugins");
    }

    /**
     * Re-reads the config file. A valid file becomes the next snapshot (and replaces what the Admin API changed:
     * its state file is removed); an invalid one is logged with every error and the running snapshot keeps
     * serving. Listener addresses, the admin listeners and the access log are fixed at start.
     *
     * @return true when the new file was swapped in
     */
    @Override
    public boolean reload() {
        synchronized (reloadLock) {
            Snapshot current = holder.current();
            try {
                fileDigest = digest(configFile);
                ConfigNode tree = loader.read(configFile);
                GatewaySpec spec = SpecBinder.bind(configFile.toString(), tree);
                install(spec, configFile.toString(), ConfigDocuments.toJson(tree));
                if (Files.deleteIfExists(stateFile(configFile))) {
                    LOG.info("reload: the file replaces the Admin API's changes ({} removed)", stateFile(configFile));
                }
                return true;
            } catch (ConfigException e) {
                metrics.configRejected();
                LOG.error("reload rejected, revision {} keeps serving:\n{}", current.revision(), e.getMessage());
                return false;
            } catch (IOException | RuntimeException e) {
                metrics.configRejected();
                LOG.error("reload failed, revision {} keeps serving", current.revision(), e);
                return false;
            }
        }
    }

    /** Reloads when the file's content differs from what was last read (called by the file watcher). */
    private void reloadIfChanged() {
        try {
            if (!java.util.Arrays.equals(digest(configFile), fileDigest)) {
                LOG.info("{} changed: reloading", configFile);
                reload();
            }
        } catch (IOException e) {
            LOG.warn("{} cannot be read ({}); the running configuration stays", configFile, e.toString());
        }
    }

    private static byte[] digest(Path file) throws IOException {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void apply(JsonNode next, String source) throws ConfigException {
        synchronized (reloadLock) {
            GatewaySpec spec;
            try {
                spec = SpecBinder.bind(source, ConfigDocuments.fromJson(next),
                        configFile.toAbsolutePath().getParent());
            } catch (ConfigException e) {
                metrics.configRejected();
                throw e;
            }
            install(spec, source, next);
        }
    }

    /**
     * Compiles, persists (for the Admin API) and swaps in {@code spec}. Under reloadLock.
     *
     * @throws ConfigException when it does not compile; nothing changed
     */
    private void install(GatewaySpec spec, String source, JsonNode nextDocument) throws ConfigException {
        Snapshot current = holder.current();
        Snapshot next;
        try {
            next = new SnapshotCompiler(source, registry, resolver, catalog, store, pluginStates).compile(spec,
                    current.revision() + 1);
        } catch (ConfigException e) {
            metrics.configRejected();
            throw e;
        }
        Map<String, CertificateStore.Prepared> certificates;
        try {
            certificates = server.prepareTls(spec.listeners());
        } catch (TlsException e) {
            metrics.configRejected();
            throw new ConfigException(List.of(new ConfigError(source, 0, "listeners", e.getMessage())));
        }
        if (!source.equals(configFile.toString())) {
            try {
                writeState(stateFile(configFile), nextDocument);
            } catch (IOException e) {
                metrics.configRejected();
                throw new ConfigException(List.of(new ConfigError(source, 0, "", "cannot save the change to "
                        + stateFile(configFile) + ": " + e.getMessage() + " (nothing was changed)")));
            }
        }
        if (!spec.listeners().stream().map(l -> l.name() + "@" + l.address())
                .toList().equals(current.listeners().stream().map(l -> l.name() + "@" + l.address()).toList())) {
            LOG.warn("config change: listener names and addresses take effect after a restart; limits apply to new "
                    + "connections now");
        }
        holder.swap(next);
        server.installTls(certificates);
        document = nextDocument;
        registry.retain(next.endpointStates());
        pluginStates.retain(next.pluginStates());
        restartBackgroundTasks(next);
        publishTargets(next);
        metrics.configApplied();
        LOG.info("config revision {} active from {} ({} routes)", next.revision(), source, spec.routes().size());
    }

    /** Writes the state atomically: a temporary file, forced to disk, then renamed over the old one. */
    private static void writeState(Path state, JsonNode document) throws IOException {
        Path dir = state.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, state.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(ConfigDocuments.toJsonText(document)
                        .getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static JsonNode readState(Path state) throws ConfigException {
        try {
            return ConfigDocuments.JSON.readTree(Files.readAllBytes(state));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(state.toString(), 0, "", "cannot read the Admin API "
                    + "state: " + e.getMessage() + " (remove it to start from the configuration file)")));
        }
    }

    /**
     * Stops the health probes and DNS refreshes of the previous snapshot and starts those of {@code snapshot}.
     * Under reloadLock.
     */
    private void restartBackgroundTasks(Snapshot snapshot) {
        stopBackgroundTasks.forEach(Runnable::run);
        List<Runnable> stops = new ArrayList<>();
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

    @Override
    public Snapshot snapshot() {
        return holder.current();
    }

    @Override
    public JsonNode document() {
        return document;
    }

    @Override
    public String version() {
        return Version.current();
    }

    @Override
    public long startedAtMillis() {
        return startedAtMillis;
    }

    @Override
    public int connections() {
        return server.connectionCount();
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public Metrics metrics() {
        return metrics;
    }

    /** The response caches kept as plugin state, by the scope of their plugin entry. */
    private java.util.SortedMap<String, ResponseCache> cachesByScope() {
        // state keys are "plugin|scope|key": one cache plugin per scope
        java.util.SortedMap<String, ResponseCache> byScope = new java.util.TreeMap<>();
        pluginStates.all(ResponseCache.class).forEach((key, cache) -> {
            String[] parts = key.split("\\|");
            byScope.put(parts.length > 1 ? parts[1] : key, cache);
        });
        return byScope;
    }

    @Override
    public List<CacheRow> caches() {
        List<CacheRow> rows = new ArrayList<>();
        cachesByScope().forEach((name, c) -> rows.add(new CacheRow(name, c.hits(), c.misses(), c.storedBytes())));
        return rows;
    }

    @Override
    public java.util.concurrent.CompletionStage<Integer> purgeCaches(@Nullable String cache, @Nullable String key,
            @Nullable String url, @Nullable String prefix) {
        java.util.concurrent.CompletableFuture<Integer> total = java.util.concurrent.CompletableFuture.completedFuture(0);
        for (var e : cachesByScope().entrySet()) {
            if (cache == null || cache.equals(e.getKey())) {
                total = total.thenCombine(e.getValue().purge(key, url, prefix), Integer::sum);
            }
        }
        return total;
    }

    /** The health of every target of an upstream (for the Admin API); empty for an unknown upstream. */
    public List<UpstreamGroup.TargetHealth> upstreamHealth(String upstream) {
        UpstreamGroup group = holder.current().upstreams().get(upstream);
        return group == null ? List.of() : group.health();
    }

    public int port(String listener) {
        return server.port(listener);
    }

    /** The bound port of the {@code admin} or {@code status} listener. */
    public int adminPort(String name) {
        Integer port = adminPorts.get(name);
        if (port == null) {
            throw new IllegalArgumentException("no " + name + " listener");
        }
        return port;
    }

    /** Graceful stop within the configured drain timeout. */
    @Override
    public void close() {
        stop(holder.current().spec().drainTimeout());
    }

    /** @return true when every connection finished within {@code drainTimeout} */
    public boolean stop(Duration drainTimeout) {
        LOG.info("stopping: draining connections for up to {}", drainTimeout);
        ready = false;
        if (watcher != null) {
            watcher.close();
        }
        synchronized (reloadLock) {
            stopBackgroundTasks.forEach(Runnable::run);
        }
        boolean drained = server.drain(drainTimeout);
        if (admin != null) {
            admin.close();
        }
        if (adminLoop != null) {
            adminLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        resolver.close();
        pluginStates.closeAll();
        if (store != null) {
            // before the loops end: its connections live on them
            store.close();
        }
        server.shutdownLoops();
        closeLog(accessLog);
        tracing.close();
        LOG.info("stopped");
        return drained;
    }

    private static void closeLog(AccessLog log) {
        if (log instanceof AccessLogWriter writer) {
            writer.close();
        }
    }
}
