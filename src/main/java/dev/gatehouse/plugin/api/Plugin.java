package dev.gatehouse.plugin.api;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import org.jspecify.annotations.Nullable;

/**
 * One configured plugin instance, shared by every request of the routes it applies to and by every event loop:
 * it must be thread-safe and keep per-request state in {@link PluginExchange#attribute attributes}. Every phase has a
 * do-nothing default. Phases run on the request's event loop and must never block it.
 */
public interface Plugin {

    /**
     * How long an {@link Outcome.Await} of this instance may keep a request waiting, when its configuration decides
     * it (a queue with a timeout); null for its factory's {@link PluginFactory#awaitTimeout()}.
     */
    default java.time.@Nullable Duration awaitTimeout() {
        return null;
    }

    /** The request head arrived and matched a route; decide whether it goes on. */
    default Outcome onRequestHeaders(PluginExchange exchange) {
        return Outcome.CONTINUE;
    }

    /**
     * A chunk of the request body, as it streams to the upstream (only called when the plugin overrides it). The
     * chunk belongs to the gateway: read it (its readable bytes), never retain, release or modify it. Returning a
     * {@link Outcome.Respond} stops the request: the client gets that answer if no response began, otherwise its
     * connection is closed. {@link Outcome.Await} is not allowed here and counts as a failure.
     *
     * @param last true for the final chunk (which may be empty)
     */
    default Outcome onRequestBody(PluginExchange exchange, ByteBuf chunk, boolean last) {
        return Outcome.CONTINUE;
    }

    /**
     * A chunk of the response body, as it streams to the client (only called when the plugin overrides it).
     * Read-only, as for {@link #onRequestBody}.
     */
    default void onResponseBody(PluginExchange exchange, ByteBuf chunk, boolean last) {
    }

    /**
     * The response head is about to go to the client (from the upstream or from the gateway itself); its
     * headers may be changed.
     */
    default void onResponseHeaders(PluginExchange exchange, HttpResponse response) {
    }

    /**
     * The exchange is over (the log phase): after the last response byte, or after the client left. Never delays
     * the response; an exception here is logged and ignored.
     *
     * @param status the status sent, or 499 when the client left first
     */
    default void onComplete(PluginExchange exchange, int status) {
    }
}
