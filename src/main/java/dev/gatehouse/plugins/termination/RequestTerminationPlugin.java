package dev.gatehouse.plugins.termination;

import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code request-termination}: answers every request with a fixed status and body, without calling the upstream
 * (maintenance pages, retired APIs). Runs late (Kong's priority 2), after authentication.
 */
public final class RequestTerminationPlugin implements Plugin {

    /**
     * @param statusCode the status to answer with
     * @param message the message of the JSON error body (when no {@code body} is given)
     * @param body a body to send as is, or null for the JSON error
     * @param contentType the type of {@code body}
     */
    public record Config(int statusCode, String message, @Nullable String body, @Nullable String contentType) {
        public static final Config DEFAULTS = new Config(503, "the service is unavailable", null, null);
    }

    private final Outcome.Respond answer;

    RequestTerminationPlugin(Config config) {
        this.answer = new Outcome.Respond(config.statusCode(), "request_terminated", config.message(), Map.of(),
                config.body(), config.contentType());
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        return answer;
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("request-termination", Config.class, Stage.TRANSFORM, 2);
        }

        @Override
        public Plugin create(Config config) {
            if (config.statusCode() < 200 || config.statusCode() > 599) {
                throw new IllegalArgumentException("status_code: " + config.statusCode() + " (expected: 200..599)");
            }
            return new RequestTerminationPlugin(config);
        }
    }
}
