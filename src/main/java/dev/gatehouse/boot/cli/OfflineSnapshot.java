package dev.gatehouse.boot.cli;

import dev.gatehouse.boot.GatehouseInstance;
import dev.gatehouse.cluster.RedisStore;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.source.YamlConfigLoader;
import dev.gatehouse.plugin.runtime.PluginCatalog;
import dev.gatehouse.plugin.runtime.PluginStates;
import dev.gatehouse.runtime.Snapshot;
import dev.gatehouse.runtime.SnapshotCompiler;
import dev.gatehouse.upstream.DnsTargetResolver;
import dev.gatehouse.upstream.EndpointRegistry;
import dev.gatehouse.upstream.TargetResolver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Compiles a configuration file as the running gateway would (names resolved, plugins built), without binding
 * anything: for {@code validate}, {@code routes} and {@code route-test}.
 */
final class OfflineSnapshot {

    private OfflineSnapshot() {
    }

    /** Compiles {@code config}, or prints every error (FILE:LINE: key: reason) and returns null. */
    static @org.jspecify.annotations.Nullable Snapshot compileOrReport(Path config) throws java.io.IOException {
        try {
            return compile(config);
        } catch (ConfigException e) {
            e.errors().forEach(System.err::println);
            return null;
        }
    }

    static Snapshot compile(Path config) throws ConfigException, java.io.IOException {
        GatewaySpec spec = new YamlConfigLoader().load(config);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        RedisStore store = spec.redis() == null ? null : new RedisStore(spec.redis());
        PluginStates states = new PluginStates();
        try (TargetResolver resolver = new DnsTargetResolver(loop.next(), NioDatagramChannel.class, spec.dns())) {
            return new SnapshotCompiler(config.toString(), new EndpointRegistry(), resolver,
                    PluginCatalog.load(GatehouseInstance.pluginsDir(config)), store, states).compile(spec, 1);
        } finally {
            states.closeAll();
            if (store != null) {
                store.close();
            }
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
