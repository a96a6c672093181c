package dev.gatehouse.testing;

import dev.gatehouse.boot.GatehouseInstance;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real gateway in the test JVM, started from YAML text on a free port ({@code address: 127.0.0.1:0}) for
 * the listener named {@code public}.
 */
public final class Gateway implements AutoCloseable {

    private final Path dir;
    private final Path config;
    private final GatehouseInstance instance;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Gateway(Path dir, Path config, GatehouseInstance instance) {
        this.dir = dir;
        this.config = config;
        this.instance = instance;
    }

    public static Gateway start(String yaml) throws Exception {
        return startIn(Files.createTempDirectory("gatehouse-test"), yaml);
    }

    /** Starts with the config file in {@code dir} (where a {@code plugins/} directory may wait). */
    public static Gateway startIn(Path dir, String yaml) throws Exception {
        Files.createDirectories(dir);
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        return new Gateway(dir, config, GatehouseInstance.start(config));
    }

    /** Starts again on the config file already in {@code dir}, without touching it. */
    public static Gateway restart(Path dir) throws Exception {
        Path config = dir.resolve("gatehouse.yaml");
        return new Gateway(dir, config, GatehouseInstance.start(config));
    }

    public GatehouseInstance instance() {
        return instance;
    }

    public Path configFile() {
        return config;
    }

    public Path dir() {
        return dir;
    }

    public int port() {
        return instance.port("public");
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    public HttpClient client() {
        return client;
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public RawHttp raw() throws IOException {
        return new RawHttp(port());
    }

    /** One GET on a new connection, with extra header lines ({@code "Name: value\r\n"} each). */
    public RawHttp.Response rawGet(String target, String headerLines) throws IOException {
        try (RawHttp raw = raw()) {
            return raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headerLines + "\r\n").read();
        }
    }

    /** Rewrites the config file and reloads; returns whether the new file was accepted. */
    public boolean reload(String yaml) throws IOException {
        Files.writeString(config, yaml);
        return instance.reload();
    }

    @Override
    public void close() {
        instance.stop(Duration.ofSeconds(2));
    }
}
