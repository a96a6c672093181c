package dev.gatehouse.boot.cli;

import dev.gatehouse.boot.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gatehouse version}. */
@Command(name = "version", description = "Print the version.")
final class VersionCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.println("gatehouse " + Version.current() + " (java " + Runtime.version() + ")");
        return 0;
    }
}
