package dev.gatehouse.boot.cli;

import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.source.YamlConfigLoader;
import dev.gatehouse.boot.GatehouseInstance;
import dev.gatehouse.cluster.RedisStore;
import dev.gatehouse.plugin.runtime.PluginCatalog;
import dev.gatehouse.plugin.runtime.PluginStates;
import dev.gatehouse.runtime.SnapshotCompiler;
import dev.gatehouse.upstream.DnsTargetResolver;
import dev.gatehouse.upstream.EndpointRegistry;
import dev.gatehouse.upstream.TargetResolver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse validate -c FILE}: exit 0 when valid, else 1 with every error as {@code FILE:LINE: key: reason}. */
@Command(name = "validate", description = "Check a configuration file and print every error.")
final class ValidateCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "the YAML configuration file")
    Path config;

    @Override
    public Integer call() throws java.io.IOException {
        try {
            GatewaySpec spec = new YamlConfigLoader().load(config);
            // host names are resolved as the running gateway would, on a loop of our own
            EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            RedisStore store = spec.redis() == null ? null : new RedisStore(spec.redis());
            try (TargetResolver resolver = new DnsTargetResolver(loop.next(), NioDatagramChannel.class, spec.dns())) {
                new SnapshotCompiler(config.toString(), new EndpointRegistry(), resolver,
                        PluginCatalog.load(GatehouseInstance.pluginsDir(config)), store, new PluginStates())
                        .compile(spec, 1);
            } finally {
                if (store != null) {
                    store.close();
                }
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            System.out.println(config + ": valid (" + spec.listeners().size() + " listeners, " + spec.routes().size()
                    + " routes, " + spec.services().size() + " services, " + spec.upstreams().size() + " upstreams)");
            return 0;
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                System.err.println(error);
            }
            return 1;
        }
    }
}
