package dev.gatehouse.runtime;

/**
 * The current snapshot: the one mutable global of the data plane. Reads are a volatile load; swaps are
 * serialised so that revisions stay in order.
 */
public final class SnapshotHolder {

    private volatile Snapshot current;

    public SnapshotHolder(Snapshot initial) {
        this.current = initial;
    }

    public Snapshot current() {
        return current;
    }

    /** Installs {@code next}; requests already running keep the snapshot they started on. */
    public synchronized void swap(Snapshot next) {
        current = next;
    }
}
