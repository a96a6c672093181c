package dev.gatehouse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend driven by a script per connection, for behaviour no well-behaved server shows: never answering,
 * closing mid-body, sending trailers, closing a keep-alive connection under a request.
 */
public final class RawBackend implements AutoCloseable {

    /** What to do with one accepted connection; {@code index} counts connections from 0. */
    @FunctionalInterface
    public interface Script {
        void run(Socket socket, int index) throws Exception;
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    public RawBackend(Script script) throws IOException {
        this(script, 50);
    }

    public RawBackend(Script script, int backlog) throws IOException {
        this.server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    int index = connections.getAndIncrement();
                    Thread t = new Thread(() -> {
                        try (s) {
                            script.run(s, index);
                        } catch (Exception ignored) {
                            // the script's peer went away
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "raw-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A backend that accepts nothing: connections stay in the (tiny) backlog. */
    public static ServerSocket notAccepting() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    public int port() {
        return server.getLocalPort();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    public int connections() {
        return connections.get();
    }

    /** Reads one request head (up to the blank line) and returns it; null on EOF. */
    public static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    public static void write(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
