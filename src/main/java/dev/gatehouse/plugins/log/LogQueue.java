package dev.gatehouse.plugins.log;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue of log lines drained by one background thread in batches (up to {@code batchSize} lines, or what
 * arrived within {@code flushInterval}), so the event loop only offers a line and never waits: when the queue is
 * full the line is dropped and counted (reported once per 10 s). Closing sends what is left.
 */
final class LogQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogQueue.class);
    private static final long REPORT_INTERVAL_MS = 10_000;

    private final String name;
    private final BlockingQueue<String> queue;
    private final int batchSize;
    private final long flushNanos;
    private final Consumer<List<String>> sink;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;
    private long lastReport;

    LogQueue(String name, int capacity, int batchSize, Duration flushInterval, Consumer<List<String>> sink) {
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.flushNanos = flushInterval.toNanos();
        this.sink = sink;
        this.thread = new Thread(this::run, "gatehouse-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Offers a line without waiting; a full queue drops it. */
    void offer(String line) {
        if (closed || !queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    long dropped() {
        return dropped.get();
    }

    private void run() {
        List<String> batch = new ArrayList<>(batchSize);
        while (!closed || !queue.isEmpty()) {
            try {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + flushNanos;
                while (batch.size() < batchSize) {
                    long left = deadline - System.nanoTime();
                    String next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                send(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void send(List<String> batch) {
        try {
            sink.accept(List.copyOf(batch));
        } catch (RuntimeException e) {
            failed.addAndGet(batch.size());
            report(e.toString());
            return;
        }
        if (dropped.get() > 0) {
            report(null);
        }
    }

    private void report(String error) {
        long now = System.currentTimeMillis();
        if (now - lastReport >= REPORT_INTERVAL_MS) {
            lastReport = now;
            LOG.warn("{}: {} entries dropped (queue full), {} failed to send{}", name, dropped.get(), failed.get(),
                    error == null ? "" : "; last error: " + error);
        }
    }

    /** Stops taking lines, sends what is queued (waiting up to 5 s), then stops. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
