package dev.gatehouse.cluster;

import io.lettuce.core.api.StatefulConnection;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Sends the Redis commands that one event-loop iteration issues in one write. Lettuce's auto-flush is off; the first
 * command of an iteration queues a flush behind the loop's current work, so that N requests read in one wake-up cost
 * one write system call to Redis instead of N, and Redis answers them in one read. The flush runs before the loop
 * waits for I/O again, so no command waits for anything but the requests read with it. Commands issued off the
 * gateway's loops (the admin API, the CLI, Lettuce's own threads) are flushed at once.
 */
final class LoopFlush {

    private final @Nullable EventLoopGroup loops;
    private final Supplier<@Nullable StatefulConnection<?, ?>> connection;
    private final FastThreadLocal<Pending> pending = new FastThreadLocal<>() {
        @Override
        protected Pending initialValue() {
            return new Pending(loopOfThisThread());
        }
    };

    /**
     * @param loops the gateway's event loops (those Lettuce shares), or null when commands always flush at once
     * @param connection the connection to flush, or null while there is none
     */
    LoopFlush(@Nullable EventLoopGroup loops, Supplier<@Nullable StatefulConnection<?, ?>> connection) {
        this.loops = loops;
        this.connection = connection;
    }

    /** Turns the connection's auto-flush off when commands can be flushed per loop iteration. */
    void configure(StatefulConnection<?, ?> c) {
        if (loops != null) {
            c.setAutoFlushCommands(false);
        }
    }

    /** Called after each command is dispatched: makes sure it is sent. */
    void dispatched() {
        if (loops == null) {
            return;
        }
        Pending p = pending.get();
        if (p.loop == null) {
            flush();
        } else if (!p.queued) {
            p.queued = true;
            try {
                p.loop.execute(p);
            } catch (RejectedExecutionException stopping) {
                // the loop is shutting down: send now rather than never
                p.queued = false;
                flush();
            }
        }
    }

    private void flush() {
        StatefulConnection<?, ?> c = connection.get();
        if (c != null) {
            c.flushCommands();
        }
    }

    private @Nullable EventExecutor loopOfThisThread() {
        for (EventExecutor loop : loops) {
            if (loop.inEventLoop()) {
                return loop;
            }
        }
        return null;
    }

    /** One thread's flush: whether one is queued on its loop already. */
    private final class Pending implements Runnable {
        final @Nullable EventExecutor loop;
        boolean queued;

        Pending(@Nullable EventExecutor loop) {
            this.loop = loop;
        }

        @Override
        public void run() {
            queued = false;
            flush();
        }
    }
}
