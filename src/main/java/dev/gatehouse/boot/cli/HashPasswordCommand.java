package dev.gatehouse.boot.cli;

import dev.gatehouse.plugins.auth.basic.BasicAuthPlugin;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse hash-password}: prints a bcrypt hash for a basic-auth credential's {@code password_hash}. */
@Command(name = "hash-password", description = "Print a bcrypt hash of a password (read from the terminal or stdin).")
final class HashPasswordCommand implements Callable<Integer> {

    @Option(names = "--cost", defaultValue = "12", description = "bcrypt cost, 4..31 (default ${DEFAULT-VALUE})")
    int cost;

    @Override
    public Integer call() throws IOException {
        if (cost < 4 || cost > 31) {
            System.err.println("--cost: " + cost + " (expected: 4..31)");
            return 2;
        }
        char[] password;
        Console console = System.console();
        if (console != null) {
            password = console.readPassword("password: ");
        } else {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        if (password == null || password.length == 0) {
            System.err.println("no password given");
            return 2;
        }
        System.out.println(BasicAuthPlugin.hash(password, cost));
        return 0;
    }
}
