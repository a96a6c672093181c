package dev.gatehouse.plugins.transform;

import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;

/** {@code request-transformer}: changes the request headers and query parameters the upstream receives. */
public final class RequestTransformerPlugin implements Plugin {

    private final HeaderTransform transform;

    RequestTransformerPlugin(HeaderTransform transform) {
        this.transform = transform;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        transform.apply(exchange.requestHeaders());
        if (transform.changesQuery()) {
            exchange.queryString(transform.applyToQuery(exchange.queryString()));
        }
        return Outcome.CONTINUE;
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<HeaderTransform.Config> {
        public Factory() {
            super("request-transformer", HeaderTransform.Config.class, Stage.TRANSFORM, 801);
        }

        @Override
        public Plugin create(HeaderTransform.Config config) {
            return new RequestTransformerPlugin(new HeaderTransform(config));
        }
    }
}
