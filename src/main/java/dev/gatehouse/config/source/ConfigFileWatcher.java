package dev.gatehouse.config.source;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configuration file's directory and calls back once changes have been quiet for the debounce time
 * (editors write in several steps; Kubernetes swaps a symlink). Any change in the directory counts: the callback
 * compares the file's content with what was last loaded, so unrelated files cost a read, not a reload.
 */
public final class ConfigFileWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigFileWatcher.class);

    private final WatchService watcher;
    private final ScheduledExecutorService timer;
    private final Thread thread;
    private final Runnable onChange;
    private final Duration debounce;
    private @Nullable ScheduledFuture<?> pending;

    private ConfigFileWatcher(Path dir, Runnable onChange, Duration debounce) throws IOException {
        this.watcher = FileSystems.getDefault().newWatchService();
        this.onChange = onChange;
        this.debounce = debounce;
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "gatehouse-config-reload"));
        this.thread = daemon(this::watch, "gatehouse-config-watch");
    }

    /** Starts watching the directory of {@code file}. */
    public static ConfigFileWatcher start(Path file, Runnable onChange, Duration debounce) throws IOException {
        ConfigFileWatcher w = new ConfigFileWatcher(file.toAbsolutePath().getParent(), onChange, debounce);
        w.thread.start();
        return w;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void watch() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                key.pollEvents();
                schedule();
                if (!key.reset()) {
                    LOG.warn("the configuration directory can no longer be watched; reload with SIGHUP");
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException stopped) {
            // closed
        }
    }

    private synchronized void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = timer.schedule(() -> {
            try {
                onChange.run();
            } catch (RuntimeException e) {
                LOG.error("reload after a file change failed", e);
            }
        }, debounce.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("closing the watcher: {}", e.toString());
        }
        timer.shutdownNow();
    }
}
