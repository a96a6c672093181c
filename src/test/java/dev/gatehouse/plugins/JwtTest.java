package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** jwt: HMAC, RSA and ECDSA credentials; expired, early, forged, unsigned and algorithm-confused tokens. */
class JwtTest {

    static final String SECRET = "a-very-long-shared-secret-of-32+bytes!";
    static KeyPair rsa;
    static KeyPair ec;
    static KeyPair ed;
    static TestBackend backend;
    static Gateway gw;

    /** A PEM public key with its line breaks written as YAML escapes, to sit in a double-quoted YAML string. */
    static String pem(KeyPair pair) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPublic().getEncoded());
        return ("-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----").replace("\n", "\\n");
    }

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        rsa = rsaGen.generateKeyPair();
        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp256r1"));
        ec = ecGen.generateKeyPair();
        ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        backend = new TestBackend("b");
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                consumers:
                  - username: alice
                    credentials:
                      jwt:
                        - { key: alice-hmac, algorithm: HS256, secret: "%s" }
                        - { key: alice-rsa, algorithm: RS256, public_key: "%s" }
                  - username: bob
                    credentials:
                      jwt:
                        - { key: bob-ec, algorithm: ES256, public_key: "%s" }
                        - { key: bob-ed, algorithm: EdDSA, public_key: "%s" }
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - name: jwt
                        config:
                          claims_to_verify: [exp, nbf]
                          clock_skew: 5s
                          cookie_names: [session]
                          claims_to_headers: { sub: x-jwt-subject, roles: x-jwt-roles }
                access_log: { target: off }
                """.formatted(SECRET, pem(rsa), pem(ec), pem(ed), backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    private static JWTClaimsSet claims(String iss, long expInSeconds, long nbfInSeconds) {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().issuer(iss).subject("s").claim("roles", List.of("admin", "ops"))
                .expirationTime(new Date(now + expInSeconds * 1000))
                .notBeforeTime(new Date(now + nbfInSeconds * 1000)).build();
    }

    private static String sign(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static RawHttp.Response call(String headers) throws Exception {
        try (RawHttp raw = gw.raw()) {
            return raw.send("GET /x HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n").read();
        }
    }

    private static RawHttp.Response bearer(String token) throws Exception {
        return call("Authorization: Bearer " + token + "\r\n");
    }

    @Test
    void validTokensOfEachAlgorithmIdentifyTheirConsumer() throws Exception {
        assertThat(bearer(sign(new MACSigner(SECRET), JWSAlgorithm.HS256, claims("alice-hmac", 60, -1))).status())
                .isEqualTo(200);
        assertThat(backend.last().header("X-Consumer-Username")).isEqualTo("alice");
        assertThat(bearer(sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, claims("alice-rsa", 60, -1)))
                .status()).isEqualTo(200);
        String ecToken = sign(new ECDSASigner((ECPrivateKey) ec.getPrivate()), JWSAlgorithm.ES256,
                claims("bob-ec", 60, -1));
        assertThat(call("Cookie: theme=dark; session=" + ecToken + "\r\n").status()).isEqualTo(200);
        assertThat(backend.last().header("X-Consumer-Username")).isEqualTo("bob");
        assertThat(call("").status()).isEqualTo(401);
    }

    @Test
    void eddsaTokensVerifyWithTheJdkAndClaimsAreForwarded() throws Exception {
        String header = b64("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}");
        String payload = b64(claims("bob-ed", 60, -1).toString());
        java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
        signer.initSign(ed.getPrivate());
        signer.update((header + "." + payload).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String token = header + "." + payload + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(signer.sign());
        RawHttp.Response r = call("Authorization: Bearer " + token + "\r\nX-Jwt-Subject: forged\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(backend.last().header("X-Consumer-Username")).isEqualTo("bob");
        assertThat(backend.last().header("X-Jwt-Subject")).isEqualTo("s");
        assertThat(backend.last().header("X-Jwt-Roles")).isEqualTo("admin, ops");
        String tampered = token.substring(0, token.length() - 4) + "AAAA";
        assertThat(bearer(tampered).status()).isEqualTo(401);
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void expiredEarlyForgedAndUnknownTokensAreRefused() throws Exception {
        MACSigner hmac = new MACSigner(SECRET);
        RawHttp.Response expired = bearer(sign(hmac, JWSAlgorithm.HS256, claims("alice-hmac", -60, -120)));
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.body()).contains("expired");
        // within the clock skew: accepted
        assertThat(bearer(sign(hmac, JWSAlgorithm.HS256, claims("alice-hmac", -2, -120))).status()).isEqualTo(200);
        assertThat(bearer(sign(hmac, JWSAlgorithm.HS256, claims("alice-hmac", 120, 60))).body())
                .contains("not valid yet");
        assertThat(bearer(sign(new MACSigner("another-secret-that-is-also-32-bytes!!"), JWSAlgorithm.HS256,
                claims("alice-hmac", 60, -1))).body()).contains("invalid signature");
        assertThat(bearer(sign(hmac, JWSAlgorithm.HS256, claims("nobody", 60, -1))).body())
                .contains("no credential");
        assertThat(bearer("not.a.jwt").status()).isEqualTo(401);
    }

    @Test
    void unsignedAndAlgorithmConfusedTokensAreRefused() throws Exception {
        String none = new PlainJWT(claims("alice-hmac", 60, -1)).serialize();
        assertThat(bearer(none).status()).isEqualTo(401);
        // HS256 keyed with the RSA public key: the classic confusion attack against an RS256 credential
        String confused = sign(new MACSigner(rsa.getPublic().getEncoded()), JWSAlgorithm.HS256,
                claims("alice-rsa", 60, -1));
        RawHttp.Response r = bearer(confused);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("algorithm does not match");
        assertThat(r.header("www-authenticate")).startsWith("Bearer");
    }
}
