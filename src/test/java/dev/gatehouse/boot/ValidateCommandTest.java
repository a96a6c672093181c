package dev.gatehouse.boot;

import static dev.gatehouse.testing.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {

    @TempDir
    Path dir;

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
