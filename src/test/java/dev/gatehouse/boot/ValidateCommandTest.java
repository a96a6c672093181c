package dev.gatehouse.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.boot.cli.GatehouseCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new GatehouseCommand()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void aTypoIsReportedWithFileLineAndKey() throws Exception {
        Path file = dir.resolve("gw.yaml");
        Files.writeString(file, """
                listeners:
                  - name: public
                    address: 127.0.0.1:8000
                services:
                  - name: s
                    url: http://127.0.0.1:9001
                    conect_timeout: 2s
                routes:
                  - { name: r, service: s, paths: ["/"] }
                """);
        Run r = run("validate", "-c", file.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith(file + ":7: services[0].conect_timeout: unknown key (expected one of: ")
                .contains("connect_timeout");
    }

    @Test
    void theQuickstartIsValid() {
        Run r = run("validate", "-c", "examples/quickstart.yaml");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("valid");
    }

    @Test
    void versionPrintsTheVersion() {
        Run r = run("version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("gatehouse ");
    }
}
