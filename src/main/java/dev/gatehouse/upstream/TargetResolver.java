package dev.gatehouse.upstream;

import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.util.List;

/** Resolves target host names to addresses. */
public interface TargetResolver extends AutoCloseable {

    /** Every A and AAAA address of {@code host}; completes on an event loop, never blocks one. */
    Future<List<InetAddress>> resolveAll(String host);

    /** How often names are looked up again (the resolver's cache honours record TTLs in between). */
    java.time.Duration refreshInterval();

    @Override
    void close();
}
