package dev.gatehouse.plugins.sizelimit;

import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * {@code request-size-limiting}: refuses request bodies larger than {@code allowed_payload_size} bytes with 413: at
 * once for a {@code Content-Length} over it, while streaming for chunked bodies. It can only lower the limit the
 * listener or route already sets.
 */
public final class RequestSizeLimitingPlugin implements Plugin {

    /** @param allowedPayloadSize bytes */
    public record Config(long allowedPayloadSize, boolean requireContentLength) {
        public static final Config DEFAULTS = new Config(128L << 20, false);
    }

    private final Config config;

    private RequestSizeLimitingPlugin(Config config) {
        this.config = config;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        String length = exchange.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length == null && config.requireContentLength()
                && exchange.requestHeaders().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return Outcome.error(411, "length_required", "a Content-Length is required");
        }
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > config.allowedPayloadSize()) {
                    return Outcome.error(413, "body_too_large", "the request body is larger than "
                            + config.allowedPayloadSize() + " bytes");
                }
            } catch (NumberFormatException e) {
                return Outcome.error(400, "bad_request", "malformed Content-Length");
            }
        }
        exchange.limitRequestBody(config.allowedPayloadSize());
        return Outcome.CONTINUE;
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("request-size-limiting", Config.class, Stage.PRE, 951);
        }

        @Override
        public Plugin create(Config config) {
            if (config.allowedPayloadSize() <= 0) {
                throw new IllegalArgumentException("allowed_payload_size: " + config.allowedPayloadSize()
                        + " (expected: > 0)");
            }
            return new RequestSizeLimitingPlugin(config);
        }
    }
}
