package dev.gatehouse.plugins.correlation;

import dev.gatehouse.plugin.api.AttrKey;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpResponse;
import java.util.UUID;

/**
 * {@code correlation-id}: makes sure every request carries a correlation header, keeping the client's value or
 * generating one, and echoes it to the client (Kong's plugin of the same name). By default the header is
 * {@code X-Request-ID} and its value the gateway's request id, which the access log and error bodies carry too.
 */
public final class CorrelationIdPlugin implements Plugin {

    static final AttrKey<String> VALUE = AttrKey.of("correlation-id");

    /**
     * @param headerName the header to read and set
     * @param generator {@code uuid} (random UUID) or {@code request-id} (the gateway's request id)
     * @param echoDownstream also send the header back to the client
     */
    public record Config(String headerName, Generator generator, boolean echoDownstream) {
        public static final Config DEFAULTS = new Config("X-Request-ID", Generator.REQUEST_ID, true);
    }

    /** How a missing correlation id is made. */
    public enum Generator { UUID, REQUEST_ID }

    private final Config config;

    CorrelationIdPlugin(Config config) {
        this.config = config;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        String value = exchange.requestHeaders().get(config.headerName());
        if (value == null || value.isEmpty()) {
            value = config.generator() == Generator.UUID ? UUID.randomUUID().toString() : exchange.requestId();
            exchange.requestHeaders().set(config.headerName(), value);
        }
        exchange.attribute(VALUE, value);
        return Outcome.CONTINUE;
    }

    @Override
    public void onResponseHeaders(PluginExchange exchange, HttpResponse response) {
        String value = exchange.attribute(VALUE);
        if (config.echoDownstream() && value != null) {
            response.headers().set(config.headerName(), value);
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("correlation-id", Config.class, Stage.PRE, 100_001);
        }

        @Override
        public Plugin create(Config config) {
            if (config.headerName().isBlank()) {
                throw new IllegalArgumentException("header_name is empty");
            }
            return new CorrelationIdPlugin(config);
        }
    }
}
