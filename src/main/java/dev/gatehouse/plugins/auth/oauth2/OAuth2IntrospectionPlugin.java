package dev.gatehouse.plugins.auth.oauth2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.IdentityHeaders;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * {@code oauth2-introspection} (RFC 7662): sends the bearer token to the authorization server's introspection
 * endpoint (asynchronously, with client credentials and a timeout), caches an active answer until the token's
 * {@code exp} (at most {@code ttl}) and an inactive one for {@code negative_ttl}, checks {@code required_scopes},
 * and maps the token to a consumer by {@code client_id} or {@code username}. An authorization server that cannot be
 * reached gives 503: never a pass, never a 500.
 */
public final class OAuth2IntrospectionPlugin implements Plugin {

    /**
     * @param consumerBy which introspection field names the consumer: {@code client_id} or {@code username}
     */
    public record Config(String introspectionUrl, String clientId, String clientSecret, Duration timeout,
            Duration ttl, Duration negativeTtl, List<String> requiredScopes, String consumerBy,
            boolean hideCredentials) {
        public static final Config DEFAULTS = new Config("", "", "", Duration.ofSeconds(2), Duration.ofMinutes(5),
                Duration.ofSeconds(5), List.of(), "client_id", false);
    }

    /** An introspection answer, as cached. */
    private record Verdict(boolean active, Set<String> scopes, @Nullable String subject, long expiresAtMillis,
            long cacheNanos) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"gatehouse\"");

    private final Config config;
    private final URI url;
    private final String basic;
    private final PluginEnvironment environment;
    private final Cache<String, Verdict> cache;

    private OAuth2IntrospectionPlugin(Config config, URI url, PluginEnvironment environment) {
        this.config = config;
        this.url = url;
        this.environment = environment;
        this.basic = "Basic " + Base64.getEncoder().encodeToString((config.clientId() + ":" + config.clientSecret())
                .getBytes(StandardCharsets.UTF_8));
        this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfter(new Expiry<String, Verdict>() {
            @Override
            public long expireAfterCreate(String key, Verdict v, long now) {
                return v.cacheNanos();
            }

            @Override
            public long expireAfterUpdate(String key, Verdict v, long now, long current) {
                return v.cacheNanos();
            }

            @Override
            public long expireAfterRead(String key, Verdict v, long now, long current) {
                return current;
            }
        }).build();
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        IdentityHeaders.clear(exchange.requestHeaders());
        String auth = exchange.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new Outcome.Respond(401, "unauthorized", "no bearer token in the request", CHALLENGE, null, null);
        }
        String token = auth.substring(7).trim();
        String key = digest(token);
        Verdict cached = cache.getIfPresent(key);
        if (cached != null && (cached.expiresAtMillis() == 0 || cached.expiresAtMillis() > System.currentTimeMillis())) {
            return decide(exchange, cached);
        }
        HttpRequest request = HttpRequest.newBuilder(url).timeout(config.timeout())
                .header("Authorization", basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                        + "&token_type_hint=access_token"))
                .build();
        CompletableFuture<Outcome> answer = CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> {
                    if (error != null || response.statusCode() != 200) {
                        return Outcome.error(503, "authorization_server_unavailable",
                                "the token cannot be checked now");
                    }
                    Verdict verdict = parse(response.body());
                    if (verdict == null) {
                        return Outcome.error(503, "authorization_server_unavailable",
                                "the authorization server gave an invalid answer");
                    }
                    cache.put(key, verdict);
                    return new Outcome.OnLoop(() -> decide(exchange, verdict));
                });
        return new Outcome.Await(answer);
    }

    private Outcome decide(PluginExchange exchange, Verdict v) {
        if (!v.active() || (v.expiresAtMillis() != 0 && v.expiresAtMillis() <= System.currentTimeMillis())) {
            return new Outcome.Respond(401, "unauthorized", "the token is not active", CHALLENGE, null, null);
        }
        for (String scope : config.requiredScopes()) {
            if (!v.scopes().contains(scope)) {
                return Outcome.error(403, "insufficient_scope", "the token lacks the scope '" + scope + "'");
            }
        }
        if (config.hideCredentials()) {
            exchange.requestHeaders().remove(HttpHeaderNames.AUTHORIZATION);
        }
        Consumer consumer = v.subject() == null ? null : environment.consumer(v.subject());
        if (consumer != null) {
            IdentityHeaders.authenticated(exchange, consumer, null, false);
        }
        return Outcome.CONTINUE;
    }

    private @Nullable Verdict parse(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject() || !n.has("active")) {
                return null;
            }
            boolean active = n.get("active").asBoolean(false);
            long now = System.currentTimeMillis();
            if (!active) {
                return new Verdict(false, Set.of(), null, 0, config.negativeTtl().toNanos());
            }
            String scope = n.path("scope").asText("");
            Set<String> scopes = scope.isBlank() ? Set.of() : Set.of(scope.trim().split("\\s+"));
            JsonNode subject = n.get(config.consumerBy());
            long exp = n.has("exp") ? n.get("exp").asLong() * 1000 : 0;
            long ttl = config.ttl().toNanos();
            if (exp != 0) {
                ttl = Math.max(0, Math.min(ttl, (exp - now) * 1_000_000));
            }
            return new Verdict(true, scopes, subject == null || subject.isNull() ? null : subject.asText(), exp, ttl);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("oauth2-introspection", Config.class, Stage.AUTHN, 1700);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            URI url;
            try {
                url = URI.create(config.introspectionUrl());
            } catch (IllegalArgumentException e) {
                url = null;
            }
            if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new IllegalArgumentException("introspection_url: '" + config.introspectionUrl()
                        + "' is not an http(s) URL");
            }
            if (!config.consumerBy().equals("client_id") && !config.consumerBy().equals("username")) {
                throw new IllegalArgumentException("consumer_by: '" + config.consumerBy()
                        + "' (expected: client_id | username)");
            }
            return new OAuth2IntrospectionPlugin(config, url, environment);
        }
    }
}
