package dev.gatehouse.observe;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An access log that formats and writes on its own thread. Event loops only offer entries to a bounded
 * queue; when the queue is full the entry is dropped and counted, never waited for.
 */
public final class AccessLogWriter implements AccessLog, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);
    private static final int QUEUE_CAPACITY = 65_536;
    private static final AccessLogEntry POISON = new AccessLogEntry(0, "", "", "", "", 0, 0, null, null, "", null,
            null, null, 0, 0, 0, 0, 0, 0, null, null);

    private final BlockingQueue<AccessLogEntry> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final Writer out;
    private final Function<AccessLogEntry, String> format;
    private final Thread thread;

    private AccessLogWriter(Writer out, Function<AccessLogEntry, String> format, String name) {
        this.out = out;
        this.format = format;
        this.thread = new Thread(this::run, "gatehouse-access-log");
        this.thread.setDaemon(true);
        this.thread.start();
        LOG.info("access log: {}", name);
    }

    /**
     * Opens a sink: {@code stdout} or a file path (appended to). Opening a file blocks: not on an event loop.
     *
     * @param json one JSON object per line instead of nginx's combined format
     */
    /**
     * @param format a line formatter: {@link AccessLogFormatter#combined}, {@link AccessLogFormatter#json} or a
     *     compiled {@link AccessLogFormatter#template}
     */
    public static AccessLogWriter open(String target, Function<AccessLogEntry, String> format) throws IOException {
        if ("stdout".equals(target)) {
            return new AccessLogWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), format, "stdout");
        }
        Path path = Path.of(target);
        BufferedWriter w = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        return new AccessLogWriter(w, format, path.toString());
    }

    @Override
    public void log(AccessLogEntry entry) {
        if (!queue.offer(entry)) {
            dropped.incrementAndGet();
        }
    }

    private void run() {
        List<AccessLogEntry> batch = new ArrayList<>(256);
        try {
            while (true) {
                AccessLogEntry first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                boolean stop = false;
                for (AccessLogEntry e : batch) {
                    if (e == POISON) {
                        stop = true;
                        break;
                    }
                    out.write(format.apply(e));
                    out.write('\n');
                }
                out.flush();
                batch.clear();
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    LOG.warn("access log: {} lines dropped (the writer could not keep up)", lost);
                }
                if (stop) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.error("access log: write failed, no more lines will be written", e);
        }
    }

    /** Writes what is queued, then stops the writer thread. */
    @Override
    public void close() {
        try {
            queue.put(POISON);
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
