package dev.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestConfigs;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBackend;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sticky sessions through a cookie Gatehouse sets, and slow start of a target that comes back. */
class StickyAndSlowStartTest {


    private static RawHttp.Response get(Gateway gw, String cookie) throws Exception {
        try (RawHttp raw = gw.raw()) {
            return raw.send("GET /x HTTP/1.1\r\nHost: x\r\n" + (cookie == null ? "" : "Cookie: " + cookie + "\r\n")
                    + "\r\n").read();
        }
    }

    @Test
    void aCookiePinsTheClientUntilItsTargetIsDown() throws Exception {
        TestBackend a = new TestBackend("a");
        TestBackend b = new TestBackend("b");
        try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: %s }, { address: %s }]
                  sticky: { cookie: gh_sticky, ttl: 30m }
                  health_checks: { passive: { max_fails: 1, fail_timeout: 30s } }
                """.formatted(a.address(), b.address())))) {
            RawHttp.Response first = get(gw, null);
            String setCookie = first.header("set-cookie");
            assertThat(setCookie).startsWith("gh_sticky=").contains("Max-Age=1800").contains("HttpOnly");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            String pinned = first.header("x-backend");
            for (int i = 0; i < 10; i++) {
                RawHttp.Response r = get(gw, "other=1; " + cookie);
                assertThat(r.header("x-backend")).isEqualTo(pinned);
                assertThat(r.header("set-cookie")).isNull();
            }
            // the pinned target goes down: the client moves, and gets a new cookie
            TestBackend down = pinned.equals("a") ? a : b;
            down.close();
            RawHttp.Response failed = get(gw, cookie);
            assertThat(failed.status()).isEqualTo(502);
            RawHttp.Response moved = get(gw, cookie);
            assertThat(moved.status()).isEqualTo(200);
            assertThat(moved.header("x-backend")).isNotEqualTo(pinned);
            assertThat(moved.header("set-cookie")).startsWith("gh_sticky=").doesNotStartWith(cookie + ";");
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aReturningTargetRampsUpOverSlowStart() throws Exception {
        int port = TestConfigs.closedPort();
        TestBackend a = new TestBackend("a");
        TestBackend b = null;
        try (Gateway gw = Gateway.start(TestConfigs.withUpstream("""
                - name: u
                  targets: [{ address: %s }, { address: "127.0.0.1:%d" }]
                  health_checks: { passive: { max_fails: 1, fail_timeout: 300ms } }
                  slow_start: 3s
                """.formatted(a.address(), port)))) {
            // the second target is down: one failure ejects it
            for (int i = 0; i < 4; i++) {
                gw.get("/x");
            }
            b = new TestBackend("b", port);
            Thread.sleep(400);
            Map<String, Integer> share = new HashMap<>();
            for (int i = 0; i < 200; i++) {
                share.merge(gw.get("/x").headers().firstValue("x-backend").orElse("none"), 1, Integer::sum);
            }
            // round-robin would give it half; early in its slow start it gets a small share
            assertThat(share.getOrDefault("b", 0)).isBetween(1, 70);
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
        }
    }
}
