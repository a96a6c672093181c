package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.WebSocketEchoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WebSocket through the gateway, with the JDK's WebSocket client and Netty's server: large text and binary
 * messages, ordering, close codes both ways, and plugins on the handshake.
 */
class WebSocketTest {

    static WebSocketEchoServer server;
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        server = new WebSocketEchoServer();
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: ws, url: "http://127.0.0.1:%d", read_timeout: 2s }
                routes:
                  - { name: ws, service: ws, paths: ["/ws"], strip_path: false }
                  - name: guarded
                    service: ws
                    paths: ["/guarded"]
                    plugins:
                      - { name: request-termination, config: { status_code: 403, message: "no sockets here" } }
                access_log: { target: off }
                """.formatted(server.port()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        server.close();
    }

    /** Collects whole messages and the close the client receives. */
    private static final class Listener implements WebSocket.Listener {
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text = new StringBuilder();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    private static WebSocket connect(Listener listener, String path) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + gw.port() + path), listener).get(10, TimeUnit.SECONDS);
    }

    @Test
    void largeMessagesEchoInOrderAndClientCloseCodesReachTheServer() throws Exception {
        Listener l = new Listener();
        WebSocket ws = connect(l, "/ws/echo");
        assertThat(server.handshakeForwardedFor()).contains("127.0.0.1");
        StringBuilder big = new StringBuilder();
        Random random = new Random(7);
        while (big.length() < 1 << 20) {
            big.append((char) ('a' + random.nextInt(26)));
        }
        ws.sendText(big, true).get(10, TimeUnit.SECONDS);
        assertThat(l.messages.poll(10, TimeUnit.SECONDS)).isEqualTo(big.toString());
        byte[] bytes = new byte[1 << 20];
        random.nextBytes(bytes);
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
        assertThat((byte[]) l.messages.poll(10, TimeUnit.SECONDS)).isEqualTo(bytes);
        for (int i = 0; i < 1000; i++) {
            ws.sendText("m" + i, true).get(10, TimeUnit.SECONDS);
        }
        List<Object> ordered = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ordered.add(l.messages.poll(10, TimeUnit.SECONDS));
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(ordered.get(i)).isEqualTo("m" + i);
        }
        ws.sendClose(4001, "done").get(10, TimeUnit.SECONDS);
        assertThat(l.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4001);
        org.awaitility.Awaitility.await().until(() -> server.closeCodes().contains(4001));
    }

    @Test
    void aServerCloseCodeReachesTheClient() throws Exception {
        Listener l = new Listener();
        WebSocket ws = connect(l, "/ws/echo");
        ws.sendText("close:4002", true);
        assertThat(l.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4002);
    }

    @Test
    void pluginsDecideOnTheHandshake() {
        Listener l = new Listener();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connect(l, "/guarded/echo"))
                .hasStackTraceContaining("403");
    }

    @Test
    void anIdleTunnelIsClosedAfterTheReadTimeout() throws Exception {
        Listener l = new Listener();
        connect(l, "/ws/idle");
        long start = System.nanoTime();
        // no close frame from anyone: the tunnel just ends, which the client sees as an abnormal close
        Object end;
        try {
            end = l.closed.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            end = e.getCause();
        }
        assertThat(end).isNotNull();
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(1_500L, 9_000L);
    }
}
