package dev.gatehouse.plugin.api;

import io.netty.buffer.ByteBuf;

/**
 * Rewrites one response body as it streams to the client: compression, or a stored body put in place of an
 * upstream's (a cache revalidated by a 304). Installed from {@link Plugin#onResponseHeaders} with
 * {@link PluginExchange#transformResponseBody}; runs on the request's event loop, chunk by chunk, so it must not
 * block and should not hold the whole body unless it has to.
 */
public interface BodyTransformer {

    /**
     * Transforms one chunk.
     *
     * @param chunk owned by the transformer from here on: release it (or pass it on as the result)
     * @param last true for the final chunk (which may be empty): flush everything held
     * @return the bytes to send in its place (possibly empty, never null), owned by the caller
     */
    ByteBuf transform(ByteBuf chunk, boolean last);

    /** The exchange ended before the last chunk (the client or the upstream went away): free what is held. */
    default void abandon() {
    }
}
