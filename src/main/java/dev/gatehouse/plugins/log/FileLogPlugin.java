package dev.gatehouse.plugins.log;

import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * {@code file-log}: every request as one JSON line (Kong's shape) appended to a file, written by a background
 * thread in batches; the file is opened for each batch, so it can be rotated by moving it away.
 */
public final class FileLogPlugin implements Plugin {

    public record Config(String path, int queueSize) {
        public static final Config DEFAULTS = new Config("", 10_000);
    }

    private final LogQueue queue;

    private FileLogPlugin(LogQueue queue) {
        this.queue = queue;
    }

    @Override
    public void onComplete(PluginExchange exchange, int status) {
        queue.offer(LogEntries.entry(exchange, status).toString());
    }

    private static void append(Path file, List<String> lines) {
        try {
            Files.write(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("file-log", Config.class, Stage.LOG, 9);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            if (config.path().isBlank()) {
                throw new IllegalArgumentException("path is required (the file to append JSON lines to)");
            }
            Path file = Path.of(config.path());
            Path dir = file.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("path: '" + config.path() + "' is not in an existing directory");
            }
            LogQueue queue = environment.retained(config.toString(), LogQueue.class, () -> new LogQueue("file-log",
                    config.queueSize(), 500, Duration.ofMillis(200), batch -> append(file, batch)));
            return new FileLogPlugin(queue);
        }
    }
}
