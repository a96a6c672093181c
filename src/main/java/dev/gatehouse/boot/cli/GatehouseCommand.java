package dev.gatehouse.boot.cli;

import dev.gatehouse.boot.Version;
import picocli.CommandLine.Command;

/** {@code gatehouse}: the top-level command; its subcommands do the work. */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, versionProvider = GatehouseCommand.VersionInfo.class,
        description = "A reverse proxy and API gateway.",
        subcommands = {RunCommand.class, ValidateCommand.class, RoutesCommand.class, RouteTestCommand.class,
            ReloadCommand.class, ConfigCommand.class, VersionCommand.class, HashPasswordCommand.class})
public final class GatehouseCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    static final class VersionInfo implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"gatehouse " + Version.current()};
        }
    }
}
