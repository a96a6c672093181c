package dev.gatehouse.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gatehouse in its own JVM, started the way users start it ({@code gatehouse run -c FILE}), for what only a real
 * process shows: signals, exit codes, and memory limits.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final Pattern LISTENER = Pattern.compile("listener '([^']+)' on /[^:]+:(\\d+)");

    private final Process process;
    private final Path config;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private volatile int port = -1;

    private GatewayProcess(Process process, Path config) {
        this.process = process;
        this.config = config;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    Matcher m = LISTENER.matcher(line);
                    if (m.find() && m.group(1).equals("public")) {
                        port = Integer.parseInt(m.group(2));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "gateway-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code gatehouse run} on a config file holding {@code yaml}, with extra JVM options. */
    public static GatewayProcess start(String yaml, String... jvmOptions) throws Exception {
        Path dir = Files.createTempDirectory("gatehouse-proc");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.gatehouse.boot.Gatehouse",
                "run", "-c", config.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        GatewayProcess gp = new GatewayProcess(p, config);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (gp.port < 0) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("gateway did not start:\n" + String.join("\n", gp.output));
            }
            Thread.sleep(20);
        }
        return gp;
    }

    public int port() {
        return port;
    }

    public Path config() {
        return config;
    }

    public Process process() {
        return process;
    }

    public List<String> output() {
        return output;
    }

    public void signal(String name) throws Exception {
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start().waitFor();
    }

    /** SIGTERM, then the exit code (or -1 when it did not exit in time and was killed). */
    public int terminate(long timeoutSeconds) throws Exception {
        process.destroy();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
