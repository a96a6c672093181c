package dev.gatehouse.proxy;

import dev.gatehouse.observe.AccessLog;
import dev.gatehouse.observe.Metrics;
import dev.gatehouse.observe.Tracing;
import dev.gatehouse.runtime.SnapshotHolder;
import dev.gatehouse.upstream.ConnectionPools;

/** What every proxied connection shares: the current snapshot, the per-loop pools, the access log, the metrics. */
public final class ProxyContext {

    private final SnapshotHolder snapshots;
    private final ConnectionPools pools;
    private final AccessLog accessLog;
    private final Metrics metrics;
    private final Tracing tracing;
    private volatile boolean draining;

    public ProxyContext(SnapshotHolder snapshots, ConnectionPools pools, AccessLog accessLog, Metrics metrics,
            Tracing tracing) {
        this.snapshots = snapshots;
        this.pools = pools;
        this.accessLog = accessLog;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    public Tracing tracing() {
        return tracing;
    }

    public Metrics metrics() {
        return metrics;
    }

    public SnapshotHolder snapshots() {
        return snapshots;
    }

    public ConnectionPools pools() {
        return pools;
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    /** True once a graceful shutdown began: connections close after their current response. */
    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
