package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** jwt with a JWKS URL: keys by kid, rotation, stale keys while the JWKS endpoint is down, no confusion. */
class JwksTest {

    private static String token(RSAKey key, String iss) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(iss).expirationTime(new Date(System.currentTimeMillis() + 60_000))
                        .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void keysAreFetchedRotatedAndServedStale() throws Exception {
        RSAKey k1 = new RSAKeyGenerator(2048).keyID("k1").generate();
        RSAKey k2 = new RSAKeyGenerator(2048).keyID("k2").generate();
        List<RSAKey> published = new CopyOnWriteArrayList<>(List.of(k1));
        AtomicInteger fetches = new AtomicInteger();
        HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        jwks.createContext("/jwks", ex -> {
            fetches.incrementAndGet();
            byte[] body = new JWKSet(published.stream().map(k -> (com.nimbusds.jose.jwk.JWK) k.toPublicJWK())
                    .toList()).toString().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwks.start();
        try (TestBackend backend = new TestBackend("b"); Gateway gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                consumers:
                  - username: alice
                    credentials:
                      jwt: [{ key: "https://issuer.test", algorithm: RS256 }]
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: jwt
                        config: { jwks_url: "http://127.0.0.1:%d/jwks", jwks_min_refresh: 0s }
                access_log: { target: off }
                """.formatted(backend.address(), jwks.getAddress().getPort()))) {
            RawHttp.Response first = call(gw, token(k1, "https://issuer.test"));
            assertThat(first.status()).isEqualTo(200);
            assertThat(backend.last().header("X-Consumer-Username")).isEqualTo("alice");

            // rotation: a token with a new kid makes the gateway fetch the set again
            published.add(k2);
            int before = fetches.get();
            assertThat(call(gw, token(k2, "https://issuer.test")).status()).isEqualTo(200);
            assertThat(fetches.get()).isEqualTo(before + 1);

            // a key nobody published
            RSAKey rogue = new RSAKeyGenerator(2048).keyID("rogue").generate();
            assertThat(call(gw, token(rogue, "https://issuer.test")).status()).isEqualTo(401);

            // HMAC keyed with the published public key: refused
            SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(),
                    new JWTClaimsSet.Builder().issuer("https://issuer.test")
                            .expirationTime(new Date(System.currentTimeMillis() + 60_000)).build());
            confused.sign(new MACSigner(k1.toRSAPublicKey().getEncoded()));
            assertThat(call(gw, confused.serialize()).status()).isEqualTo(401);

            // the JWKS endpoint goes down: known keys keep working
            jwks.stop(0);
            assertThat(call(gw, token(k1, "https://issuer.test")).status()).isEqualTo(200);
            assertThat(call(gw, token(rogue, "https://issuer.test")).status()).isEqualTo(401);
        } finally {
            jwks.stop(0);
        }
    }

    private static RawHttp.Response call(Gateway gw, String token) throws Exception {
        try (RawHttp raw = gw.raw()) {
            return raw.send("GET /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n").read();
        }
    }
}
