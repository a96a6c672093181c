package dev.gatehouse.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private redis-server on a free loopback port, empty at start and keeping nothing on disk, so that no test
 * depends on what another run left behind. It can be stopped and started again on the same port.
 */
public final class TestRedis implements AutoCloseable {

    private final int port;
    private Process process;

    public TestRedis() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        start();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    public void start() throws Exception {
        process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"PONG".equals(command("PING"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server did not start on " + port);
            }
            Thread.sleep(20);
        }
    }

    public void stop() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Sends one inline command; returns the first reply line without its type byte, or null when unreachable. */
    public String command(String line) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\r') {
                sb.append((char) c);
            }
            return sb.length() == 0 ? null : sb.substring(1);
        } catch (IOException e) {
            return null;
        }
    }

    /** GET: a string value, or null when the key does not exist. */
    public String get(String key) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write(("GET " + key + "\r\n").getBytes(StandardCharsets.UTF_8));
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.UTF_8));
            return in.readLine().equals("$-1") ? null : in.readLine();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Calls of a command since start-up, from INFO commandstats ({@code cmdstat_evalsha:calls=N,...}). */
    public long calls(String command) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write("INFO commandstats\r\n".getBytes(StandardCharsets.UTF_8));
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.UTF_8));
            int length = Integer.parseInt(in.readLine().substring(1));
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                read += in.read(body, read, length - read);
            }
            String prefix = "cmdstat_" + command.toLowerCase(java.util.Locale.ROOT) + ":calls=";
            for (String line : new String(body).split("\r\n")) {
                if (line.startsWith(prefix)) {
                    return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
                }
            }
            return 0;
        }
    }

    /** Keys matching a pattern (KEYS: fine for a private test server). */
    public List<String> keys(String pattern) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write(("KEYS " + pattern + "\r\n").getBytes(StandardCharsets.UTF_8));
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.UTF_8));
            String header = in.readLine();
            int n = Integer.parseInt(header.substring(1));
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                in.readLine();
                out.add(in.readLine());
            }
            return out;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
