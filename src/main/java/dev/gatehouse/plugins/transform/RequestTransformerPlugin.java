package dev.gatehouse.plugins.transform;

import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.PluginFactory;
import dev.gatehouse.plugin.api.Stage;

/** {@code request-transformer}: changes the request headers the upstream receives. */
public final class RequestTransformerPlugin implements Plugin {

    private final HeaderTransform transform;

    RequestTransformerPlugin(HeaderTransform transform) {
        this.transform = transform;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        transform.apply(exchange.requestHeaders());
        return Outcome.CONTINUE;
    }

    /** Registers the plugin. */
    public static final class Factory implements PluginFactory<HeaderTransform.Config> {
        @Override
        public String name() {
            return "request-transformer";
        }

        @Override
        public Class<HeaderTransform.Config> configType() {
            return HeaderTransform.Config.class;
        }

        @Override
        public Stage stage() {
            return Stage.TRANSFORM;
        }

        @Override
        public int priority() {
            return 801;
        }

        @Override
        public Plugin create(HeaderTransform.Config config) {
            return new RequestTransformerPlugin(new HeaderTransform(config));
        }
    }
}
