package dev.gatehouse.upstream;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

/** Hands each event loop its own {@link ConnectionPool}. Pools outlive configuration snapshots. */
public final class ConnectionPools {

    private final Class<? extends Channel> channelClass;
    private final FastThreadLocal<ConnectionPool> pools = new FastThreadLocal<>();

    /** @param channelClass the client socket channel class of the transport the event loops use */
    public ConnectionPools(Class<? extends Channel> channelClass) {
        this.channelClass = channelClass;
    }

    /** The pool of {@code loop}; call it on that loop. */
    public ConnectionPool pool(EventLoop loop) {
        assert loop.inEventLoop();
        ConnectionPool pool = pools.get();
        if (pool == null) {
            pool = new ConnectionPool(loop, channelClass);
            pools.set(pool);
        }
        return pool;
    }
}
