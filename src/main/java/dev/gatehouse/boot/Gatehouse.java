package dev.gatehouse.boot;

import dev.gatehouse.boot.cli.GatehouseCommand;
import picocli.CommandLine;

/** The {@code gatehouse} command. */
public final class Gatehouse {

    private Gatehouse() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new GatehouseCommand()).execute(args));
    }
}
