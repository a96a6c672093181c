package dev.gatehouse.cluster;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Gives Lettuce the gateway's own event loops for its Redis connections, so a Redis reply is read on a loop that
 * runs requests: the plugin's continuation is queued to the request's loop without waking another thread (with one
 * loop, without leaving the thread at all). The gateway owns the loops; Lettuce's release and shutdown leave them
 * running.
 */
final class SharedEventLoops implements EventLoopGroupProvider {

    private final EventLoopGroup loops;
    private final int size;

    SharedEventLoops(EventLoopGroup loops) {
        this.loops = loops;
        int n = 0;
        for (var ignored : loops) {
            n++;
        }
        this.size = n;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        // Lettuce asks for its transport's group class and uses the answer as a plain EventLoopGroup; the gateway's
        // group carries the same transport (checked by the caller)
        return (T) loops;
    }

    @Override
    public int threadPoolSize() {
        return size;
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(Boolean.TRUE);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(Boolean.TRUE);
    }
}
