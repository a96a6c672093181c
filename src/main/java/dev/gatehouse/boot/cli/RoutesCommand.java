package dev.gatehouse.boot.cli;

import dev.gatehouse.config.model.RouteSpec;
import dev.gatehouse.runtime.RouteEntry;
import dev.gatehouse.runtime.Snapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse routes -c FILE}: the compiled routing table, with each route's service and plugins. */
@Command(name = "routes", description = "Print the compiled routing table of a configuration file.")
final class RoutesCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "the YAML configuration file")
    Path config;

    @Override
    public Integer call() throws java.io.IOException {
        Snapshot snapshot = OfflineSnapshot.compileOrReport(config);
        if (snapshot == null) {
            return 1;
        }
        System.out.println("Routes in configuration order; a request goes to the most specific match (exact host "
                + "before wildcard before any, then = exact path, longest prefix, regex by priority).");
        for (RouteSpec rs : snapshot.spec().routes()) {
            RouteEntry route = snapshot.routes().get(rs.name());
            System.out.println();
            System.out.println("route " + rs.name() + (rs.priority() != 0 ? " (priority " + rs.priority() + ")" : ""));
            System.out.println("  hosts:    " + any(rs.hosts()));
            System.out.println("  paths:    " + any(rs.paths()) + (rs.stripPath() ? "  (strip_path)" : ""));
            System.out.println("  methods:  " + any(rs.methods()));
            if (!rs.headers().isEmpty()) {
                System.out.println("  headers:  " + rs.headers());
            }
            if (!rs.query().isEmpty()) {
                System.out.println("  query:    " + rs.query());
            }
            System.out.println("  service:  " + RouteTestCommand.target(route));
            System.out.println("  plugins:  " + (route.plugins().isEmpty() ? "none"
                    : String.join(", ", route.plugins().describe())));
        }
        return 0;
    }

    static String any(List<String> values) {
        return values.isEmpty() ? "any" : String.join(", ", values);
    }
}
