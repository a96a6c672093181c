package dev.gatehouse.boot.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse config export -c FILE}: the running configuration (with Admin API changes), as YAML or JSON. */
@Command(name = "config", description = "Work with a running gateway's configuration.",
        subcommands = ConfigCommand.Export.class)
final class ConfigCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "export", description = "Print the running configuration, including Admin API changes.")
    static final class Export implements Callable<Integer> {

        @Option(names = {"-c", "--config"}, required = true, description = "the YAML file the gateway runs on")
        Path config;

        @Option(names = "--format", defaultValue = "yaml", description = "yaml (default) or json")
        String format;

        @Override
        public Integer call() throws Exception {
            if (!format.equals("yaml") && !format.equals("json")) {
                System.err.println("--format: '" + format + "' (expected: yaml or json)");
                return 2;
            }
            return AdminClient.call(config, "GET", "/config?format=" + format, System.out::print);
        }
    }
}
