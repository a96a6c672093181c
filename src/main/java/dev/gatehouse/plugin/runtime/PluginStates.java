package dev.gatehouse.plugin.runtime;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugin state that outlives one snapshot, such as rate-limit counters: a reload builds new plugin instances, and
 * they pick up the values their predecessors kept under the same key, so a reload (or an Admin API change) does not
 * reset anyone's quota. After a swap, values the new snapshot did not ask for are dropped, and closed when they are
 * {@link AutoCloseable}.
 */
public final class PluginStates {

    private static final Logger LOG = LoggerFactory.getLogger(PluginStates.class);

    private final Map<String, Object> states = new ConcurrentHashMap<>();

    /** The value kept under {@code key} when it is a {@code T}; otherwise a new one from {@code create}. */
    public <T> T get(String key, Class<T> type, Supplier<T> create) {
        Object kept = states.compute(key, (k, old) -> {
            if (type.isInstance(old)) {
                return old;
            }
            close(old);
            return create.get();
        });
        return type.cast(kept);
    }

    /** Every value kept that is a {@code T}, by key (sorted). */
    public <T> java.util.SortedMap<String, T> all(Class<T> type) {
        java.util.SortedMap<String, T> found = new java.util.TreeMap<>();
        states.forEach((k, v) -> {
            if (type.isInstance(v)) {
                found.put(k, type.cast(v));
            }
        });
        return found;
    }

    /** Drops every value whose key is not in {@code live}. */
    public void retain(Set<String> live) {
        states.entrySet().removeIf(e -> {
            if (live.contains(e.getKey())) {
                return false;
            }
            close(e.getValue());
            return true;
        });
    }

    /** Drops every value (at shutdown). */
    public void closeAll() {
        retain(Set.of());
    }

    private static void close(Object value) {
        if (value instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing plugin state {}: {}", value, e.toString());
            }
        }
    }
}
