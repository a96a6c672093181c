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
    private final List<String> extraArgs;
    private Process process;

    public TestRedis() throws Exception {
        this(List.of());
    }

    /**
     * @param extraArgs more redis-server arguments: a config file first when there is one (as for
     *     {@code --sentinel}), then options such as {@code --cluster-enabled yes}
     */
    public TestRedis(List<String> extraArgs) throws Exception {
        this.port = freePort();
        this.extraArgs = List.copyOf(extraArgs);
        start();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * A Sentinel watching {@code master} under the name {@code mymaster}, itself on a free port, configured in a
     * file of {@code dir} (Sentinel rewrites its file).
     */
    public static TestRedis sentinel(TestRedis master, java.nio.file.Path dir) throws Exception {
        java.nio.file.Path conf = dir.resolve("sentinel-" + master.port() + ".conf");
        java.nio.file.Files.writeString(conf, "sentinel monitor mymaster 127.0.0.1 " + master.port() + " 1\n"
                + "sentinel down-after-milliseconds mymaster 1000\n");
        return new TestRedis(List.of(conf.toString(), "--sentinel"));
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    public void start() throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-server"));
        int options = 0;
        if (!extraArgs.isEmpty() && !extraArgs.get(0).startsWith("--")) {
            command.add(extraArgs.get(0));
            options = 1;
        }
        command.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no"));
        command.addAll(extraArgs.subList(options, extraArgs.size()));
        process = new ProcessBuilder(command)
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
        return bulk("GET " + key);
    }

    /** Sends one inline command whose reply is a bulk string (GET, INFO, CLUSTER INFO); null for a nil reply. */
    public String bulk(String line) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.UTF_8));
            int length = Integer.parseInt(in.readLine().substring(1));
            if (length < 0) {
                return null;
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                read += in.read(body, read, length - read);
            }
            return new String(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Calls of a command since start-up, from INFO commandstats ({@code cmdstat_evalsha:calls=N,...}). */
    public long calls(String command) {
        String prefix = "cmdstat_" + command.toLowerCase(java.util.Locale.ROOT) + ":calls=";
        for (String line : bulk("INFO commandstats").split("\r\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
            }
        }
        return 0;
    }

    /** A counter from INFO stats ({@code total_reads_processed:N}). */
    public long stat(String name) {
        for (String line : bulk("INFO stats").split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in INFO stats");
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
