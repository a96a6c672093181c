package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin built against the published API, compiled here into a jar that is not on the class path, and dropped
 * into {@code plugins/} beside the configuration: the gateway finds it and runs it.
 */
class ThirdPartyPluginJarTest {

    private static final String SOURCE = """
            package com.example.gatehouse;

            import dev.gatehouse.plugin.api.*;

            public final class StampFactory extends BasePluginFactory<StampFactory.Config> {
                public record Config(String value) {
                    public static final Config DEFAULTS = new Config("stamped");
                }

                public StampFactory() {
                    super("example-stamp", Config.class, Stage.TRANSFORM, 500);
                }

                @Override public Plugin create(Config config) {
                    return new Plugin() {
                        @Override public Outcome onRequestHeaders(PluginExchange exchange) {
                            exchange.requestHeaders().set("x-stamp", config.value());
                            return Outcome.CONTINUE;
                        }
                    };
                }
            }
            """;

    @TempDir
    Path dir;

    @Test
    void aJarInThePluginsDirectoryIsLoaded() throws Exception {
        Path src = dir.resolve("src/com/example/gatehouse/StampFactory.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, SOURCE);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                src.toString());
        assertThat(rc).isZero();

        Path config = dir.resolve("conf");
        Path jar = config.resolve("plugins/example-stamp.jar");
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (var files = Files.walk(classes)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                    Files.copy(p, out);
                    out.closeEntry();
                }
            }
            out.putNextEntry(new JarEntry("META-INF/services/dev.gatehouse.plugin.api.PluginFactory"));
            out.write("com.example.gatehouse.StampFactory\n".getBytes());
            out.closeEntry();
        }

        try (TestBackend backend = new TestBackend("b");
                Gateway gw = Gateway.startIn(config, """
                        listeners:
                          - name: public
                            address: 127.0.0.1:0
                        services:
                          - { name: s, url: "http://%s" }
                        routes:
                          - name: r
                            service: s
                            paths: ["/"]
                            plugins:
                              - { name: example-stamp, config: { value: from-a-jar } }
                        access_log: { target: off }
                        """.formatted(backend.address()))) {
            assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            assertThat(backend.last().header("x-stamp")).isEqualTo("from-a-jar");
        }
    }

}
