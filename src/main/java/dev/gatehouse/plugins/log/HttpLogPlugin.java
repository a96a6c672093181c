package dev.gatehouse.plugins.log;

import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code http-log}: every request as a JSON object (Kong's shape), sent to a collector in batches: a JSON array of
 * up to {@code batch_size} entries per request, at least every {@code flush_interval}. Sending happens on a
 * background thread; a full queue drops entries and counts them.
 */
public final class HttpLogPlugin implements Plugin {

    public record Config(String httpEndpoint, String method, Duration timeout, Map<String, String> headers,
            int batchSize, Duration flushInterval, int queueSize) {
        public static final Config DEFAULTS = new Config("", "POST", Duration.ofSeconds(10), Map.of(), 100,
                Duration.ofSeconds(1), 10_000);
    }

    private final LogQueue queue;

    private HttpLogPlugin(LogQueue queue) {
        this.queue = queue;
    }

    @Override
    public void onComplete(PluginExchange exchange, int status) {
        queue.offer(LogEntries.entry(exchange, status).toString());
    }

    /** Posts a batch as a JSON array; a non-2xx answer counts as a failure. */
    private static void post(HttpClient client, Config config, URI endpoint, List<String> batch) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .method(config.method(), HttpRequest.BodyPublishers.ofString("[" + String.join(",", batch) + "]"));
        config.headers().forEach(b::header);
        try {
            HttpResponse<Void> r = client.send(b.build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(endpoint + " answered " + r.statusCode());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("http-log", Config.class, Stage.LOG, 12);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            URI endpoint;
            try {
                endpoint = URI.create(config.httpEndpoint());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("http_endpoint: '" + config.httpEndpoint() + "' is not a URL");
            }
            if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
                throw new IllegalArgumentException("http_endpoint: '" + config.httpEndpoint()
                        + "' (expected: an http:// or https:// URL)");
            }
            if (!List.of("POST", "PUT", "PATCH").contains(config.method())) {
                throw new IllegalArgumentException("method: '" + config.method() + "' (expected: POST | PUT | PATCH)");
            }
            if (config.batchSize() < 1 || config.queueSize() < 1) {
                throw new IllegalArgumentException("batch_size and queue_size must be at least 1");
            }
            // the queue and its thread outlive reloads while the settings stay the same
            LogQueue queue = environment.retained(config.toString(), LogQueue.class, () -> {
                HttpClient client = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
                return new LogQueue("http-log", config.queueSize(), config.batchSize(), config.flushInterval(),
                        batch -> post(client, config, endpoint, batch));
            });
            return new HttpLogPlugin(queue);
        }
    }
}
