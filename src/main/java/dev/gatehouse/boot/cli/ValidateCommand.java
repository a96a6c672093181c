package dev.gatehouse.boot.cli;

import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.GatewaySpec;
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
            GatewaySpec spec = OfflineSnapshot.compile(config).spec();
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
