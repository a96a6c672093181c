package dev.gatehouse.upstream;

import io.netty.handler.codec.http.HttpObject;
import org.jspecify.annotations.Nullable;

/**
 * Receives what an upstream connection reads while it is bound to one exchange. Every method runs on the
 * connection's event loop, which is also the exchange's.
 */
public interface UpstreamListener {

    /** A response head or body chunk; the listener owns it and must release it (or pass it on). */
    void onResponseObject(HttpObject msg);

    /** The end of one read burst: the moment to flush what was written downstream. */
    void onReadComplete();

    /** The upstream socket's write buffer crossed a watermark. */
    void onWritabilityChanged(boolean writable);

    /** The connection closed or failed; {@code cause} is null for a plain close. */
    void onClosed(@Nullable Throwable cause);
}
