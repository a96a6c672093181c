package dev.gatehouse.plugins.transform;

import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpResponse;

/** {@code response-transformer}: changes the response headers the client receives. */
public final class ResponseTransformerPlugin implements Plugin {

    private final HeaderTransform transform;

    ResponseTransformerPlugin(HeaderTransform transform) {
        this.transform = transform;
    }

    @Override
    public void onResponseHeaders(PluginExchange exchange, HttpResponse response) {
        transform.apply(response.headers());
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<HeaderTransform.Config> {
        public Factory() {
            super("response-transformer", HeaderTransform.Config.class, Stage.TRANSFORM, 800);
        }

        @Override
        public Plugin create(HeaderTransform.Config config) {
            HeaderTransform transform = new HeaderTransform(config);
            if (transform.changesQuery()) {
                throw new IllegalArgumentException("querystring: a response has no query string");
            }
            return new ResponseTransformerPlugin(transform);
        }
    }
}
