package dev.gatehouse.boot.cli;

import dev.gatehouse.boot.GatehouseInstance;
import dev.gatehouse.boot.demo.EchoBackend;
import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.HostPort;
import dev.gatehouse.server.GatewayServer;
import dev.gatehouse.server.Transport;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code gatehouse run -c FILE}: serve until SIGTERM or SIGINT (graceful drain, then exit 0); SIGHUP reloads
 * the file.
 */
@Command(name = "run", description = "Start the gateway.")
final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = {"-c", "--config"}, required = true, description = "the YAML configuration file")
    Path config;

    @Option(names = "--demo-backend", paramLabel = "HOST:PORT",
            description = "also start the built-in demo echo backend on this address (for the quick start)")
    @Nullable String demoBackend;

    @Override
    public Integer call() throws Exception {
        EventLoopGroup demoGroup = null;
        if (demoBackend != null) {
            HostPort hp = HostPort.parse(demoBackend);
            if (hp == null) {
                System.err.println("--demo-backend: '" + demoBackend + "' is not host:port");
                return 2;
            }
            Transport t = Transport.detect();
            demoGroup = GatewayServer.newEventLoopGroup(t, 1);
            EchoBackend.start(demoGroup, t.serverChannelClass(), new InetSocketAddress(hp.host(), hp.port()));
            LOG.info("demo echo backend on {}", hp);
        }
        GatehouseInstance instance;
        try {
            instance = GatehouseInstance.start(config);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                System.err.println(error);
            }
            System.err.println("gatehouse: the configuration is invalid; not started");
            return 1;
        } catch (IllegalStateException e) {
            System.err.println("gatehouse: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        EventLoopGroup demo = demoGroup;
        Signal.handle(new Signal("HUP"), s -> new Thread(instance::reload, "gatehouse-reload").start());
        sun.misc.SignalHandler stop = s -> new Thread(() -> {
            LOG.info("SIG{} received", s.getName());
            instance.close();
            if (demo != null) {
                demo.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            stopped.countDown();
        }, "gatehouse-stop").start();
        Signal.handle(new Signal("TERM"), stop);
        Signal.handle(new Signal("INT"), stop);
        stopped.await();
        return 0;
    }
}
