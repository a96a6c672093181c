package dev.gatehouse.plugins.auth.basic;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.gatehouse.plugin.api.Credential;
import dev.gatehouse.plugin.api.IdentityHeaders;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code basic-auth}: authenticates {@code Authorization: Basic} against the consumers' {@code basic-auth}
 * credentials ({@code username} and a bcrypt {@code password_hash}). A bcrypt check costs milliseconds of CPU by
 * design, so it never runs on an event loop: it runs on a small pool, and a password once verified is remembered
 * (as a SHA-256 of the credential and password, never the password) so that later requests cost a hash.
 */
public final class BasicAuthPlugin implements Plugin {

    /**
     * @param realm the realm of the {@code WWW-Authenticate} challenge
     * @param hideCredentials remove {@code Authorization} before forwarding
     */
    public record Config(String realm, boolean hideCredentials) {
        public static final Config DEFAULTS = new Config("gatehouse", false);
    }

    /** bcrypt checks, off the event loops; small, because each one is CPU-bound. */
    private static final ExecutorService HASHING = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "gatehouse-bcrypt");
        t.setDaemon(true);
        return t;
    });
    private static final int MAX_REMEMBERED = 10_000;

    private final Config config;
    private final Map<String, Credential> byUsername;
    private final Map<String, String> hashes;
    private final Map<String, Credential> verified = new ConcurrentHashMap<>();
    private final Map<String, String> challenge;

    private BasicAuthPlugin(Config config, Map<String, Credential> byUsername, Map<String, String> hashes) {
        this.config = config;
        this.byUsername = Map.copyOf(byUsername);
        this.hashes = Map.copyOf(hashes);
        this.challenge = Map.of("WWW-Authenticate", "Basic realm=\"" + config.realm() + "\"");
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        IdentityHeaders.clear(exchange.requestHeaders());
        String header = exchange.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return unauthorized("no Basic credentials in the request");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return unauthorized("malformed Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return unauthorized("malformed Basic credentials");
        }
        String username = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        Credential credential = byUsername.get(username);
        if (credential == null) {
            return unauthorized("invalid authentication credentials");
        }
        String memo = memoKey(credential, password);
        if (verified.containsKey(memo)) {
            return accept(exchange, credential);
        }
        String hash = hashes.get(username);
        CompletableFuture<Outcome> check = CompletableFuture.supplyAsync(() -> {
            boolean ok = BCrypt.verifyer().verify(password.toCharArray(), hash.toCharArray()).verified;
            if (ok && verified.size() < MAX_REMEMBERED) {
                verified.put(memo, credential);
            }
            return ok ? Outcome.CONTINUE : unauthorized("invalid authentication credentials");
        }, HASHING).thenApply(outcome -> outcome == Outcome.CONTINUE
                ? new Outcome.OnLoop(() -> accept(exchange, credential)) : outcome);
        return new Outcome.Await(check);
    }

    private Outcome accept(PluginExchange exchange, Credential credential) {
        if (config.hideCredentials()) {
            exchange.requestHeaders().remove(HttpHeaderNames.AUTHORIZATION);
        }
        IdentityHeaders.authenticated(exchange, credential.consumer(), credential.id(), false);
        return Outcome.CONTINUE;
    }

    private Outcome unauthorized(String message) {
        return new Outcome.Respond(401, "unauthorized", message, challenge, null, null);
    }

    private static String memoKey(Credential credential, String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(credential.id().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            return java.util.HexFormat.of().formatHex(sha.digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bcrypt hash for {@code gatehouse hash-password}. */
    public static String hash(char[] password, int cost) {
        return BCrypt.withDefaults().hashToString(cost, password);
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("basic-auth", Config.class, Stage.AUTHN, 1100);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            Map<String, Credential> byUsername = new HashMap<>();
            Map<String, String> hashes = new HashMap<>();
            for (Credential c : environment.credentials(name())) {
                String username = c.fields().get("username");
                String hash = c.fields().get("password_hash");
                if (username == null || hash == null || c.fields().size() != 2) {
                    throw new IllegalArgumentException(c.path() + ": expected username and password_hash");
                }
                if (!hash.matches("\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}")) {
                    throw new IllegalArgumentException(c.path() + ".password_hash: not a bcrypt hash (make one with "
                            + "gatehouse hash-password)");
                }
                if (byUsername.putIfAbsent(username, c) != null) {
                    throw new IllegalArgumentException(c.path() + ".username: '" + username + "' is used twice");
                }
                hashes.put(username, hash);
            }
            return new BasicAuthPlugin(config, byUsername, hashes);
        }
    }
}
