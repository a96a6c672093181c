package dev.gatehouse.plugin.api;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What a plugin's request phase decided: go on, answer now, or wait for something asynchronous (Envoy's
 * Continue / sendLocalReply / StopIteration, as a value).
 */
public sealed interface Outcome permits Outcome.Continue, Outcome.Respond, Outcome.Send, Outcome.Await,
        Outcome.OnLoop {

    /** Go on with the next plugin, then the upstream. */
    Outcome CONTINUE = Continue.INSTANCE;

    /** An answer with a JSON error body {@code {"status":..,"error":code,"message":..,"request_id":..}}. */
    static Outcome error(int status, String code, String message) {
        return new Respond(status, code, message, Map.of(), null, null);
    }

    /** Go on. */
    enum Continue implements Outcome {
        INSTANCE
    }

    /**
     * Answer the client now; the upstream is not called.
     *
     * @param code a stable snake_case error code (used in the JSON body when {@code body} is null)
     * @param headers extra response headers
     * @param body a body to send instead of the JSON error, or null
     * @param contentType the body's type when {@code body} is given
     */
    record Respond(int status, String code, String message, Map<String, String> headers, @Nullable String body,
            @Nullable String contentType) implements Outcome {
        public Respond {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * Answer the client with a complete response of the plugin's own (a stored one: a cache hit); the upstream is
     * not called. The gateway owns the response from here on and releases it; the response-headers phase still runs
     * on it, and the gateway sets the framing ({@code Connection}, chunking) the client needs.
     *
     * <p>With {@code refresh}, the request still goes to the upstream after the answer is sent (a background
     * refresh, for {@code stale-while-revalidate}): the upstream's response runs through the response phases but
     * never reaches the client. On HTTP/1.1 the connection's next request waits for the refresh to end.
     */
    record Send(io.netty.handler.codec.http.FullHttpResponse response, boolean refresh) implements Outcome {
        public Send(io.netty.handler.codec.http.FullHttpResponse response) {
            this(response, false);
        }
    }

    /**
     * Wait for {@code result}; the chain resumes with its outcome on the request's own event loop. A stage that
     * fails, or does not complete within the chain's timeout, answers 503 (fail closed). The stage completes on
     * some other thread: it must not touch the exchange. To act on the exchange once the result is known (set
     * headers, record the consumer), complete it with an {@link OnLoop}.
     */
    record Await(CompletionStage<Outcome> result) implements Outcome {
    }

    /** Run {@code next} on the request's event loop and go on with its outcome. */
    record OnLoop(Supplier<Outcome> next) implements Outcome {
    }
}
