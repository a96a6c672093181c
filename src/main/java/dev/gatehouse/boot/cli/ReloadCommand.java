package dev.gatehouse.boot.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse reload -c FILE}: asks the instance running FILE to re-read it (as SIGHUP does). */
@Command(name = "reload", description = "Ask a running gateway (through its Admin API) to reload its file.")
final class ReloadCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "the YAML file the gateway runs on")
    Path config;

    @Override
    public Integer call() throws Exception {
        return AdminClient.call(config, "POST", "/reload", body -> System.out.println("reloaded: " + body));
    }
}
