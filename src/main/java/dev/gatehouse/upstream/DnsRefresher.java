package dev.gatehouse.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the named targets of one upstream current: looks each name up again every refresh interval (the
 * resolver's cache answers until the records' TTL runs out) and, when the addresses change, rebuilds the
 * upstream's endpoints. A failed lookup keeps the last addresses. Runs on an event loop; never blocks it.
 */
public final class DnsRefresher {

    private static final Logger LOG = LoggerFactory.getLogger(DnsRefresher.class);

    private final UpstreamGroup group;
    private final TargetResolver resolver;
    private final EventLoop loop;
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;
    private ScheduledFuture<?> task;

    public DnsRefresher(UpstreamGroup group, TargetResolver resolver, EventLoop loop) {
        this.group = group;
        this.resolver = resolver;
        this.loop = loop;
    }

    public synchronized void start() {
        long every = resolver.refreshInterval().toNanos();
        task = loop.scheduleAtFixedRate(this::refresh, every, every, TimeUnit.NANOSECONDS);
    }

    public synchronized void stop() {
        stopped = true;
        if (task != null) {
            task.cancel(false);
        }
    }

    private void refresh() {
        for (String host : group.hostNames()) {
            Future<List<InetAddress>> lookup = resolver.resolveAll(host);
            lookup.addListener(done -> resolved(host, lookup));
        }
    }

    private void resolved(String host, Future<List<InetAddress>> lookup) {
        if (stopped) {
            return;
        }
        if (!lookup.isSuccess() || lookup.getNow().isEmpty()) {
            if (failing.add(host)) {
                LOG.warn("upstream '{}': cannot resolve '{}' ({}); keeping {}", group.name(), host,
                        lookup.cause() == null ? "no addresses" : lookup.cause().getMessage(), group.resolved(host));
            }
            return;
        }
        if (failing.remove(host)) {
            LOG.info("upstream '{}': '{}' resolves again", group.name(), host);
        }
        List<InetAddress> now = lookup.getNow();
        List<InetAddress> before = group.resolved(host);
        if (!new HashSet<>(now).equals(new HashSet<>(before))) {
            LOG.info("upstream '{}': '{}' now resolves to {} (was {})", group.name(), host, now, before);
            group.updateResolved(host, now);
        }
    }
}
