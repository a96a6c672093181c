package dev.gatehouse.plugins.auth.key;

import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.Credential;
import dev.gatehouse.plugin.api.IdentityHeaders;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code key-auth}: authenticates a request by an API key in a header or query parameter, against the consumers'
 * {@code key-auth} credentials ({@code key: ...} in clear, or {@code key_sha256: <hex>}). Keys are kept as SHA-256
 * digests and compared in constant time.
 */
public final class KeyAuthPlugin implements Plugin {

    /**
     * @param keyNames header names and query parameters that may carry the key, tried in order
     * @param keyInHeader look in headers
     * @param keyInQuery look in the query string
     * @param hideCredentials remove the key before forwarding (headers only: a query key stays in the URL)
     * @param anonymous the username of the consumer to use when no valid key is given, or null to answer 401
     */
    public record Config(List<String> keyNames, boolean keyInHeader, boolean keyInQuery, boolean hideCredentials,
            @Nullable String anonymous) {
        public static final Config DEFAULTS = new Config(List.of("apikey"), true, true, false, null);
    }

    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Key realm=\"gatehouse\"");

    /** A credential with its key's digest, which is compared again in constant time after the lookup. */
    private record StoredKey(Credential credential, byte[] digest) {
    }

    private final Config config;
    /** By the key's digest in hex. */
    private final Map<String, StoredKey> keys;
    private final @Nullable Consumer anonymous;

    private KeyAuthPlugin(Config config, Map<String, StoredKey> keys, @Nullable Consumer anonymous) {
        this.config = config;
        this.keys = Map.copyOf(keys);
        this.anonymous = anonymous;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        IdentityHeaders.clear(exchange.requestHeaders());
        String key = null;
        String foundIn = null;
        for (String name : config.keyNames()) {
            if (config.keyInHeader()) {
                key = exchange.requestHeaders().get(name);
                if (key != null) {
                    foundIn = name;
                    break;
                }
            }
            if (config.keyInQuery()) {
                key = exchange.queryParam(name);
                if (key != null) {
                    break;
                }
            }
        }
        if (key == null || key.isEmpty()) {
            return anonymousOr(exchange, "no API key found in the request");
        }
        byte[] digest = sha256(key);
        String hex = HexFormat.of().formatHex(digest);
        StoredKey stored = keys.get(hex);
        if (stored == null || !MessageDigest.isEqual(digest, stored.digest())) {
            return anonymousOr(exchange, "invalid authentication credentials");
        }
        Credential credential = stored.credential();
        if (config.hideCredentials() && foundIn != null) {
            exchange.requestHeaders().remove(foundIn);
        }
        IdentityHeaders.authenticated(exchange, credential.consumer(), credential.id(), false);
        return Outcome.CONTINUE;
    }

    private Outcome anonymousOr(PluginExchange exchange, String message) {
        if (anonymous != null) {
            IdentityHeaders.authenticated(exchange, anonymous, null, true);
            return Outcome.CONTINUE;
        }
        return new Outcome.Respond(401, "unauthorized", message, CHALLENGE, null, null);
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("key-auth", Config.class, Stage.AUTHN, 1250);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            if (config.keyNames().isEmpty()) {
                throw new IllegalArgumentException("key_names is empty (expected: at least one name)");
            }
            Map<String, StoredKey> keys = new HashMap<>();
            for (Credential c : environment.credentials(name())) {
                String clear = c.fields().get("key");
                String hashed = c.fields().get("key_sha256");
                if ((clear == null) == (hashed == null) || c.fields().size() != 1) {
                    throw new IllegalArgumentException(c.path() + ": expected exactly one of key, key_sha256");
                }
                byte[] digest;
                try {
                    digest = clear != null ? sha256(clear) : HexFormat.of().parseHex(hashed.toLowerCase());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(c.path() + ".key_sha256: not a hex SHA-256 digest");
                }
                if (digest.length != 32) {
                    throw new IllegalArgumentException(c.path() + ".key_sha256: not a hex SHA-256 digest");
                }
                String hex = HexFormat.of().formatHex(digest);
                if (keys.putIfAbsent(hex, new StoredKey(c, digest)) != null) {
                    throw new IllegalArgumentException(c.path() + ": this key is also another credential's");
                }
            }
            Consumer anonymous = null;
            if (config.anonymous() != null) {
                anonymous = environment.consumer(config.anonymous());
                if (anonymous == null) {
                    throw new IllegalArgumentException("anonymous: consumer '" + config.anonymous()
                            + "' is not defined");
                }
            }
            return new KeyAuthPlugin(config, keys, anonymous);
        }
    }
}
