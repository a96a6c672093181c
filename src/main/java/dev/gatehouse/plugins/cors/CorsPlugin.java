package dev.gatehouse.plugins.cors;

import dev.gatehouse.plugin.api.AttrKey;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * {@code cors}: answers CORS preflight requests at the gateway and adds the CORS response headers to actual
 * requests from allowed origins. Origins are exact ({@code https://app.example.com}), {@code *}, or regular
 * expressions written {@code ~ ^https://.*\.example\.com$}.
 */
public final class CorsPlugin implements Plugin {

    /**
     * @param preflightContinue pass preflight requests to the upstream instead of answering them
     */
    public record Config(List<String> origins, List<String> methods, List<String> headers,
            List<String> exposedHeaders, boolean credentials, Duration maxAge, boolean preflightContinue) {
        public static final Config DEFAULTS = new Config(List.of("*"), List.of("GET", "HEAD", "PUT", "PATCH", "POST",
                "DELETE", "OPTIONS"), List.of(), List.of(), false, Duration.ZERO, false);
    }

    private static final AttrKey<String> ALLOWED_ORIGIN = AttrKey.of("cors-origin");

    private final Config config;
    private final List<String> exact;
    private final List<Pattern> patterns;
    private final boolean any;
    private final String methods;
    private final @Nullable String headers;
    private final @Nullable String exposed;

    private CorsPlugin(Config config, List<String> exact, List<Pattern> patterns) {
        this.config = config;
        this.exact = List.copyOf(exact);
        this.patterns = List.copyOf(patterns);
        this.any = exact.contains("*");
        this.methods = String.join(", ", config.methods());
        this.headers = config.headers().isEmpty() ? null : String.join(", ", config.headers());
        this.exposed = config.exposedHeaders().isEmpty() ? null : String.join(", ", config.exposedHeaders());
    }

    /** The value for {@code Access-Control-Allow-Origin}, or null when the origin is not allowed. */
    private @Nullable String allowedOrigin(String origin) {
        if (any) {
            // with credentials the literal * is not allowed by browsers: reflect the origin
            return config.credentials() ? origin : "*";
        }
        if (exact.contains(origin)) {
            return origin;
        }
        for (Pattern p : patterns) {
            if (p.matcher(origin).matches()) {
                return origin;
            }
        }
        return null;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        String origin = exchange.requestHeaders().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return Outcome.CONTINUE;
        }
        String allowed = allowedOrigin(origin);
        boolean preflight = "OPTIONS".equals(exchange.method())
                && exchange.requestHeaders().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        if (allowed == null) {
            // not an allowed origin: no CORS headers; the browser will refuse the response
            return Outcome.CONTINUE;
        }
        exchange.attribute(ALLOWED_ORIGIN, allowed);
        if (!preflight || config.preflightContinue()) {
            return Outcome.CONTINUE;
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Access-Control-Allow-Origin", allowed);
        h.put("Access-Control-Allow-Methods", methods);
        String requested = exchange.requestHeaders().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        if (headers != null) {
            h.put("Access-Control-Allow-Headers", headers);
        } else if (requested != null) {
            h.put("Access-Control-Allow-Headers", requested);
        }
        if (config.credentials()) {
            h.put("Access-Control-Allow-Credentials", "true");
        }
        if (!config.maxAge().isZero()) {
            h.put("Access-Control-Max-Age", String.valueOf(config.maxAge().toSeconds()));
        }
        if (!"*".equals(allowed)) {
            h.put("Vary", "Origin");
        }
        return new Outcome.Respond(204, "cors_preflight", "", h, "", null);
    }

    @Override
    public void onResponseHeaders(PluginExchange exchange, HttpResponse response) {
        String allowed = exchange.attribute(ALLOWED_ORIGIN);
        if (allowed == null || response.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS)) {
            return;
        }
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        if (config.credentials()) {
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (exposed != null) {
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
        }
        if (!"*".equals(allowed)) {
            response.headers().add(HttpHeaderNames.VARY, "Origin");
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("cors", Config.class, Stage.PRE, 2000);
        }

        @Override
        public Plugin create(Config config) {
            List<String> exact = new ArrayList<>();
            List<Pattern> patterns = new ArrayList<>();
            for (int i = 0; i < config.origins().size(); i++) {
                String o = config.origins().get(i);
                if (o.startsWith("~ ")) {
                    try {
                        patterns.add(Pattern.compile(o.substring(2).trim()));
                    } catch (PatternSyntaxException e) {
                        throw new IllegalArgumentException("origins[" + i + "]: '" + o + "' is not a regular "
                                + "expression: " + e.getDescription());
                    }
                } else {
                    exact.add(o);
                }
            }
            return new CorsPlugin(config, exact, patterns);
        }
    }
}
