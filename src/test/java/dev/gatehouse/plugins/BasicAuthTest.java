package dev.gatehouse.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.gatehouse.boot.cli.GatehouseCommand;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** basic-auth against bcrypt hashes, and the hash-password command that makes them. */
class BasicAuthTest {

    static TestBackend backend;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        String hash = BCrypt.withDefaults().hashToString(4, "s3cret".toCharArray());
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                consumers:
                  - username: alice
                    credentials:
                      basic-auth: [{ username: alice, password_hash: "%s" }]
                services:
                  - { name: s, url: "http://%s" }
                routes:
                  - name: r
                    service: s
                    paths: ["/"]
                    plugins:
                      - { name: basic-auth, config: { realm: orders, hide_credentials: true } }
                access_log: { target: off }
                """.formatted(hash, backend.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        backend.close();
    }

    private static RawHttp.Response get(String authorization) throws Exception {
        try (RawHttp raw = gw.raw()) {
            return raw.send("GET /x HTTP/1.1\r\nHost: x\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n").read();
        }
    }

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRightPasswordPassesTwiceAndIsHidden() throws Exception {
        for (int i = 0; i < 2; i++) {
            RawHttp.Response r = get(basic("alice:s3cret"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(backend.last().header("X-Consumer-Username")).isEqualTo("alice");
            assertThat(backend.last().header("Authorization")).isNull();
        }
    }

    @Test
    void wrongMissingAndMalformedCredentialsGet401WithAChallenge() throws Exception {
        for (String auth : new String[] {basic("alice:wrong"), basic("mallory:s3cret"), null, "Basic !!!",
                basic("no-colon"), "Bearer abc"}) {
            RawHttp.Response r = get(auth);
            assertThat(r.status()).as(String.valueOf(auth)).isEqualTo(401);
            assertThat(r.header("www-authenticate")).isEqualTo("Basic realm=\"orders\"");
        }
    }

    @Test
    void hashPasswordPrintsAVerifiableBcryptHash() {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream("hunter2\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new GatehouseCommand()).execute("hash-password", "--cost", "4");
            assertThat(code).isZero();
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
        String hash = out.toString(StandardCharsets.UTF_8).trim();
        assertThat(hash).startsWith("$2a$04$");
        assertThat(BCrypt.verifyer().verify("hunter2".toCharArray(), hash).verified).isTrue();
    }
}
