package dev.gatehouse.plugins.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.URI;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.plugin.api.Consumer;
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
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code jwt}: authenticates a signed JWT against the consumers' {@code jwt} credentials, chosen by a claim
 * ({@code key_claim_name}, default {@code iss}). Each credential fixes its algorithm, so a token signed with another
 * one (including {@code none}, or HMAC with a public key as the secret) is refused. Uses Nimbus JOSE+JWT.
 */
public final class JwtPlugin implements Plugin {

    /**
     * @param keyClaimName the claim that names the credential ({@code key} in the credential)
     * @param claimsToVerify which of {@code exp} and {@code nbf} must be present and valid
     * @param clockSkew tolerance for {@code exp} and {@code nbf}
     * @param issuer the required {@code iss}, or null
     * @param audiences at least one must be in {@code aud} when not empty
     * @param cookieNames cookies that may carry the token
     * @param uriParamNames query parameters that may carry the token
     * @param jwksUrl verify tokens with the keys of this JWK set (by {@code kid}) instead of consumer credentials;
     *     the consumer is still the one whose credential {@code key} matches the key claim, when there is one
     * @param jwksMinRefresh a token with an unknown {@code kid} makes at most one fetch per this interval
     * @param jwksTimeout how long a fetch may take
     * @param claimsToHeaders claims to forward upstream, claim name to header name (client copies are removed)
     */
    public record Config(String keyClaimName, List<String> claimsToVerify, Duration clockSkew,
            @Nullable String issuer, List<String> audiences, List<String> cookieNames, List<String> uriParamNames,
            @Nullable String jwksUrl, Duration jwksMinRefresh, Duration jwksTimeout,
            Map<String, String> claimsToHeaders) {
        public static final Config DEFAULTS = new Config("iss", List.of("exp"), Duration.ZERO, null, List.of(),
                List.of(), List.of("jwt"), null, Duration.ofSeconds(10), Duration.ofSeconds(2), Map.of());
    }

    private static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384,
            JWSAlgorithm.HS512, JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256,
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.EdDSA);
    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"gatehouse\"");

    /** One credential, ready to verify. */
    private record Key(Credential credential, JWSAlgorithm algorithm, @Nullable JWSVerifier verifier) {
    }

    private final Config config;
    private final Map<String, Key> keys;
    private final @Nullable JwksCache jwks;

    private JwtPlugin(Config config, Map<String, Key> keys, @Nullable JwksCache jwks) {
        this.config = config;
        this.keys = Map.copyOf(keys);
        this.jwks = jwks;
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        IdentityHeaders.clear(exchange.requestHeaders());
        config.claimsToHeaders().values().forEach(exchange.requestHeaders()::remove);
        String token = token(exchange);
        if (token == null) {
            return unauthorized("no token found in the request");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return unauthorized("the token is not a signed JWT");
        }
        Object keyClaim = claims.getClaim(config.keyClaimName());
        if (jwks != null) {
            return verifyWithJwks(exchange, jwt, claims, keyClaim instanceof String s ? keys.get(s) : null);
        }
        Key key = keyClaim instanceof String s ? keys.get(s) : null;
        if (key == null) {
            return unauthorized("no credential for the token's '" + config.keyClaimName() + "' claim");
        }
        if (!key.algorithm().equals(jwt.getHeader().getAlgorithm())) {
            return unauthorized("the token's algorithm does not match its credential");
        }
        try {
            if (!jwt.verify(key.verifier())) {
                return unauthorized("invalid signature");
            }
        } catch (JOSEException e) {
            return unauthorized("invalid signature");
        }
        String problem = claimsProblem(claims);
        if (problem != null) {
            return unauthorized(problem);
        }
        forwardClaims(exchange, claims);
        Consumer consumer = key.credential().consumer();
        IdentityHeaders.authenticated(exchange, consumer, key.credential().id(), false);
        return Outcome.CONTINUE;
    }

    /** Verifies with the JWK set, fetching it again (asynchronously) when the token names a key it lacks. */
    private Outcome verifyWithJwks(PluginExchange exchange, SignedJWT jwt, JWTClaimsSet claims, @Nullable Key owner) {
        String kid = jwt.getHeader().getKeyID();
        if (kid == null) {
            return unauthorized("the token has no kid");
        }
        JWK jwk = jwks.key(kid);
        if (jwk != null) {
            return checkWithJwk(exchange, jwt, claims, jwk, owner);
        }
        return new Outcome.Await(jwks.refresh().thenApply(set -> {
            JWK fetched = set.getKeyByKeyId(kid);
            return fetched == null ? unauthorized("no key '" + kid + "' in the JWK set")
                    : new Outcome.OnLoop(() -> checkWithJwk(exchange, jwt, claims, fetched, owner));
        }));
    }

    private Outcome checkWithJwk(PluginExchange exchange, SignedJWT jwt, JWTClaimsSet claims, JWK jwk,
            @Nullable Key owner) {
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!SUPPORTED.contains(alg) || (jwk.getAlgorithm() != null && !jwk.getAlgorithm().equals(alg))) {
            return unauthorized("the token's algorithm does not match its key");
        }
        try {
            JWSVerifier verifier;
            if (jwk instanceof RSAKey rsa && (JWSAlgorithm.Family.RSA.contains(alg))) {
                verifier = new RSASSAVerifier(rsa);
            } else if (jwk instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
                verifier = new ECDSAVerifier(ec);
            } else {
                // HMAC with a public key, or a key type the algorithm does not use: algorithm confusion
                return unauthorized("the token's algorithm does not match its key");
            }
            if (!jwt.verify(verifier)) {
                return unauthorized("invalid signature");
            }
        } catch (JOSEException e) {
            return unauthorized("invalid signature");
        }
        String problem = claimsProblem(claims);
        if (problem != null) {
            return unauthorized(problem);
        }
        forwardClaims(exchange, claims);
        if (owner != null) {
            IdentityHeaders.authenticated(exchange, owner.credential().consumer(), owner.credential().id(), false);
        }
        return Outcome.CONTINUE;
    }

    /**
     * Sends the configured claims of a verified token upstream: strings as they are, lists joined with ", ", dates as
     * epoch seconds, objects as JSON.
     */
    @SuppressWarnings("unchecked")
    private void forwardClaims(PluginExchange exchange, JWTClaimsSet claims) {
        for (Map.Entry<String, String> e : config.claimsToHeaders().entrySet()) {
            Object value = claims.getClaim(e.getKey());
            String text;
            if (value == null) {
                continue;
            } else if (value instanceof Date d) {
                text = String.valueOf(d.getTime() / 1000);
            } else if (value instanceof java.util.Collection<?> c) {
                text = String.join(", ", c.stream().map(String::valueOf).toList());
            } else if (value instanceof Map<?, ?> m) {
                text = com.nimbusds.jose.util.JSONObjectUtils.toJSONString((Map<String, ?>) m);
            } else {
                text = String.valueOf(value);
            }
            exchange.requestHeaders().set(e.getValue(), text);
        }
    }

    private @Nullable String claimsProblem(JWTClaimsSet claims) {
        long now = System.currentTimeMillis();
        long skew = config.clockSkew().toMillis();
        Date exp = claims.getExpirationTime();
        if (config.claimsToVerify().contains("exp")) {
            if (exp == null) {
                return "the token has no exp claim";
            }
            if (now > exp.getTime() + skew) {
                return "the token has expired";
            }
        }
        Date nbf = claims.getNotBeforeTime();
        if (config.claimsToVerify().contains("nbf")) {
            if (nbf == null) {
                return "the token has no nbf claim";
            }
            if (now + skew < nbf.getTime()) {
                return "the token is not valid yet";
            }
        }
        if (config.issuer() != null && !config.issuer().equals(claims.getIssuer())) {
            return "the token's issuer is not accepted";
        }
        if (!config.audiences().isEmpty()) {
            List<String> aud = claims.getAudience();
            if (aud == null || aud.stream().noneMatch(config.audiences()::contains)) {
                return "the token's audience is not accepted";
            }
        }
        return null;
    }

    private @Nullable String token(PluginExchange exchange) {
        String auth = exchange.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        for (String name : config.cookieNames()) {
            String cookie = exchange.cookie(name);
            if (cookie != null) {
                return cookie;
            }
        }
        for (String name : config.uriParamNames()) {
            String v = exchange.queryParam(name);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    private static Outcome unauthorized(String message) {
        return new Outcome.Respond(401, "unauthorized", message, CHALLENGE, null, null);
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("jwt", Config.class, Stage.AUTHN, 1450);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            for (String claim : config.claimsToVerify()) {
                if (!claim.equals("exp") && !claim.equals("nbf")) {
                    throw new IllegalArgumentException("claims_to_verify: '" + claim + "' (expected: exp | nbf)");
                }
            }
            JwksCache jwks = null;
            if (config.jwksUrl() != null) {
                try {
                    URI url = URI.create(config.jwksUrl());
                    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                        throw new IllegalArgumentException("not http");
                    }
                    jwks = new JwksCache(url, config.jwksTimeout(), config.jwksMinRefresh());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("jwks_url: '" + config.jwksUrl() + "' is not an http(s) URL");
                }
            }
            Map<String, Key> keys = new HashMap<>();
            for (Credential c : environment.credentials(name())) {
                String keyName = c.fields().get("key");
                String alg = c.fields().getOrDefault("algorithm", "HS256");
                if (keyName == null) {
                    throw new IllegalArgumentException(c.path() + ".key: is required");
                }
                JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
                if (!SUPPORTED.contains(algorithm)) {
                    throw new IllegalArgumentException(c.path() + ".algorithm: '" + alg + "' (expected: one of "
                            + SUPPORTED.stream().map(JWSAlgorithm::getName).sorted().toList() + ")");
                }
                // with a JWK set, credentials only name consumers: their keys come from the set
                JWSVerifier verifier = jwks != null && !c.fields().containsKey("secret")
                        && !c.fields().containsKey("public_key") ? null : verifier(c, algorithm);
                if (keys.putIfAbsent(keyName, new Key(c, algorithm, verifier)) != null) {
                    throw new IllegalArgumentException(c.path() + ".key: '" + keyName + "' is used twice");
                }
            }
            return new JwtPlugin(config, keys, jwks);
        }

        private static JWSVerifier verifier(Credential c, JWSAlgorithm algorithm) {
            try {
                if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
                    String secret = c.fields().get("secret");
                    if (secret == null) {
                        throw new IllegalArgumentException(c.path() + ".secret: is required for " + algorithm);
                    }
                    return new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
                }
                String pem = c.fields().get("public_key");
                if (pem == null) {
                    throw new IllegalArgumentException(c.path() + ".public_key: is required for " + algorithm);
                }
                byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
                if (JWSAlgorithm.EdDSA.equals(algorithm)) {
                    return new JdkEdDsaVerifier(KeyFactory.getInstance("Ed25519")
                            .generatePublic(new X509EncodedKeySpec(der)));
                }
                if (JWSAlgorithm.Family.EC.contains(algorithm)) {
                    return new ECDSAVerifier((ECPublicKey) KeyFactory.getInstance("EC")
                            .generatePublic(new X509EncodedKeySpec(der)));
                }
                return new RSASSAVerifier((RSAPublicKey) KeyFactory.getInstance("RSA")
                        .generatePublic(new X509EncodedKeySpec(der)));
            } catch (JOSEException e) {
                throw new IllegalArgumentException(c.path() + ": " + e.getMessage());
            } catch (java.security.GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
                if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                        && iae.getMessage().startsWith(c.path())) {
                    throw iae;
                }
                throw new IllegalArgumentException(c.path() + ".public_key: not a PEM " + algorithm.getName()
                        + " public key (" + e.getMessage() + ")");
            }
        }
    }
}
