package dev.gatehouse.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP/1.1 backend for integration tests, on a free loopback port, built on the JDK's HTTP server (an
 * implementation independent of ours). By default it answers {@code 200} with a body naming itself and the
 * request; handlers can be replaced per path. Records every request it saw and the client ports it saw them on.
 */
public final class TestBackend implements AutoCloseable {

    /** A request as the backend received it. */
    public record Seen(String method, String uri, Map<String, List<String>> headers, long bodyBytes, int clientPort,
            long nanos) {
        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    public TestBackend(String name) throws IOException {
        this(name, 0);
    }

    /** A backend on a given port (0: any free one), e.g. to restart a killed backend where it was. */
    public TestBackend(String name, int port) throws IOException {
        this(name, InetAddress.getLoopbackAddress(), port);
    }

    /** A backend on another loopback address, such as 127.0.0.2 (all of 127/8 is this machine). */
    public TestBackend(String name, InetAddress bind, int port) throws IOException {
        this.name = name;
        this.server = HttpServer.create(new InetSocketAddress(bind, port), 128);
        server.setExecutor(executor);
        server.createContext("/", this::defaultHandler);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String address() {
        return server.getAddress().getAddress().getHostAddress() + ":" + port();
    }

    public String name() {
        return name;
    }

    public List<Seen> seen() {
        return seen;
    }

    public Seen last() {
        return seen.get(seen.size() - 1);
    }

    /** Distinct client (gateway-side) ports seen: the number of upstream connections used. */
    public Set<Integer> clientPorts() {
        return clientPorts;
    }

    /** Serves {@code path} (and below) with {@code handler}; the request is recorded first. */
    public TestBackend handle(String path, HttpHandler handler) {
        try {
            server.removeContext(path);
        } catch (IllegalArgumentException notThere) {
            // no handler for this path yet
        }
        server.createContext(path, exchange -> {
            record(exchange, -1);
            handler.handle(exchange);
        });
        return this;
    }

    private void defaultHandler(HttpExchange exchange) throws IOException {
        long body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.transferTo(OutputStream.nullOutputStream());
        }
        record(exchange, body);
        byte[] out = (name + " " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + " body="
                + body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.getResponseHeaders().set("X-Backend", name);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
        } else {
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
        }
        exchange.close();
    }

    private void record(HttpExchange exchange, long body) {
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                Map.copyOf(exchange.getRequestHeaders()), body, exchange.getRemoteAddress().getPort(), System.nanoTime()));
        clientPorts.add(exchange.getRemoteAddress().getPort());
    }

    /** When the first request for {@code uri} arrived (nanoTime), or 0. */
    public long firstRequestNanos(String uri) {
        return seen.stream().filter(s -> s.uri().equals(uri)).mapToLong(Seen::nanos).findFirst().orElse(0);
    }

    /** Stops accepting at once, lets requests in progress finish (up to {@code seconds}), then closes. */
    public void stop(int seconds) {
        server.stop(seconds);
        executor.shutdownNow();
    }

    /** Stops at once: connections, including requests in progress, are closed. */
    @Override
    public void close() {
        stop(0);
    }
}
