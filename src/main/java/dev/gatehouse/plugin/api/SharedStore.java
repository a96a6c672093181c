package dev.gatehouse.plugin.api;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The shared store (Redis) that plugins coordinate through across gateway nodes, reached asynchronously: a
 * result completes on an I/O thread, which may be one of the gateway's event loops but not necessarily the request's:
 * never block in a callback, and act on the exchange with {@link Outcome.OnLoop}.
 */
public interface SharedStore {

    /**
     * Runs a Lua script atomically (loaded once, then called by its SHA-1) and returns its array of integers.
     * Fails (exceptionally) when the store cannot be reached within its timeout.
     */
    CompletionStage<List<Long>> evalIntegers(String script, List<String> keys, List<String> args);

    /** The value under {@code key}, or null when there is none. */
    CompletionStage<byte @org.jspecify.annotations.Nullable []> get(String key);

    /** Stores {@code value} under {@code key}, expiring after {@code ttl}. */
    CompletionStage<Void> set(String key, byte[] value, java.time.Duration ttl);

    /** Deletes keys; completes with how many existed. */
    CompletionStage<Long> delete(List<String> keys);

    /** Up to {@code limit} keys that start with {@code prefix} (a SCAN, on every node of a cluster). */
    CompletionStage<List<String>> keys(String prefix, int limit);
}
