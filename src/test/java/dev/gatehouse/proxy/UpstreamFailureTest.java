package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.RawBackend;
import dev.gatehouse.testing.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How upstream failures reach the client: 502, 504, or a closed connection once a response has begun. */
class UpstreamFailureTest {

    static RawBackend silent;
    static RawBackend truncating;
    static RawBackend hangingUp;
    static RawBackend garbage;
    static ServerSocket full;
    static final List<Socket> fillers = new ArrayList<>();
    static int closedPort;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        silent = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            Thread.sleep(5_000);
        });
        truncating = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        });
        hangingUp = new RawBackend((s, i) -> RawBackend.readHead(s.getInputStream()));
        garbage = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            RawBackend.write(s, "NOT-HTTP garbage\r\n\r\n");
        });
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        // a listener that never accepts, with its accept queue filled: new SYNs are dropped
        full = RawBackend.notAccepting();
        for (int i = 0; i < 4; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 200);
            } catch (IOException e) {
                // the queue is full
            }
            fillers.add(s);
        }
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: silent, url: "http://%s", read_timeout: 300ms }
                  - { name: truncating, url: "http://%s" }
                  - { name: hangup, url: "http://%s" }
                  - { name: garbage, url: "http://%s" }
                  - { name: refused, url: "http://127.0.0.1:%d" }
                  - { name: full, url: "http://127.0.0.1:%d", connect_timeout: 300ms }
                routes:
                  - { name: silent, service: silent, paths: ["/silent"] }
                  - { name: truncating, service: truncating, paths: ["/truncating"] }
                  - { name: hangup, service: hangup, paths: ["/hangup"] }
                  - { name: garbage, service: garbage, paths: ["/garbage"] }
                  - { name: refused, service: refused, paths: ["/refused"] }
                  - { name: full, service: full, paths: ["/full"] }
                access_log: { target: off }
                """.formatted(silent.address(), truncating.address(), hangingUp.address(), garbage.address(),
                closedPort, full.getLocalPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        for (AutoCloseable c : List.of(silent, truncating, hangingUp, garbage, full)) {
            c.close();
        }
        for (Socket s : fillers) {
            s.close();
        }
    }

    private static RawHttp.Response get(String path) throws IOException {
        try (RawHttp raw = gw.raw()) {
            return raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        }
    }

    @Test
    void connectionRefusedIs502() throws Exception {
        RawHttp.Response r = get("/refused");
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).contains("\"error\":\"upstream_connection_refused\"").contains("request_id");
    }

    @Test
    void connectTimeoutIs504() throws Exception {
        RawHttp.Response r = get("/full");
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.body()).contains("upstream_connect_timeout");
    }

    @Test
    void readTimeoutIs504() throws Exception {
        long start = System.nanoTime();
        RawHttp.Response r = get("/silent");
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.body()).contains("upstream_read_timeout");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_000);
    }

    @Test
    void upstreamClosingBeforeAResponseIs502() throws Exception {
        RawHttp.Response r = get("/hangup");
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).contains("upstream_closed");
        assertThat(get("/garbage").status()).isEqualTo(502);
    }

    @Test
    void upstreamClosingMidResponseClosesTheClientConnection() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /truncating HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThatThrownBy(raw::read).isInstanceOf(IOException.class)
                    .hasMessageContaining("connection closed after 10 of 100 body bytes");
        }
    }

    @Test
    void theConnectionStaysUsableAfterALocalError() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /refused HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(502);
            raw.send("GET /refused HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(502);
        }
    }

}
