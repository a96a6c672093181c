package dev.gatehouse.boot.cli;

import dev.gatehouse.config.model.AdminSpec;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.source.YamlConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Talks to a running instance's Admin API, found (address and token) in the same configuration file it runs on:
 * for {@code reload} and {@code config export}.
 */
final class AdminClient {

    private final URI base;
    private final AdminSpec admin;

    private AdminClient(URI base, AdminSpec admin) {
        this.base = base;
        this.admin = admin;
    }

    /** The client for the instance running {@code config}; fails with a clear message when it has no admin block. */
    static AdminClient forConfig(Path config) throws ConfigException {
        GatewaySpec spec = new YamlConfigLoader().load(config);
        AdminSpec admin = spec.admin();
        if (admin == null) {
            throw new IllegalStateException(config + " has no admin: block, so there is no Admin API to ask "
                    + "(send SIGHUP to the gatehouse process to reload the file)");
        }
        String host = admin.address().host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            host = "127.0.0.1";
        }
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return new AdminClient(URI.create((admin.tls() == null ? "http://" : "https://") + host + ":"
                + admin.address().port()), admin);
    }

    /**
     * Sends one call to the instance running {@code config} and hands a 200 answer to {@code onOk}; anything else
     * (no admin block, nobody answering, a refusal) is printed to stderr. Returns the command's exit code.
     */
    static int call(Path config, String method, String path, java.util.function.Consumer<String> onOk)
            throws InterruptedException {
        try {
            HttpResponse<String> r = forConfig(config).send(method, path);
            if (r.statusCode() == 200) {
                onOk.accept(r.body());
                return 0;
            }
            System.err.println("refused (" + r.statusCode() + "): " + r.body());
            return 1;
        } catch (ConfigException e) {
            e.errors().forEach(System.err::println);
            return 1;
        } catch (IllegalStateException | IOException e) {
            System.err.println("gatehouse: " + e.getMessage());
            return 1;
        }
    }

    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (admin.token() != null) {
            b.header("Authorization", "Bearer " + admin.token());
        }
        try {
            return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(b.build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("no Admin API answers on " + base + " (is gatehouse running with this file?)", e);
        }
    }
}
