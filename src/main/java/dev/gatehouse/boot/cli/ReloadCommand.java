package dev.gatehouse.boot.cli;

import dev.gatehouse.config.model.ConfigException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse reload -c FILE}: asks the instance running FILE to re-read it (as SIGHUP does). */
@Command(name = "reload", description = "Ask a running gateway (through its Admin API) to reload its file.")
final class ReloadCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "the YAML file the gateway runs on")
    Path config;

    @Override
    public Integer call() throws Exception {
        try {
            HttpResponse<String> r = AdminClient.forConfig(config).send("POST", "/reload");
            if (r.statusCode() == 200) {
                System.out.println("reloaded: " + r.body());
                return 0;
            }
            System.err.println("reload refused (" + r.statusCode() + "): " + r.body());
            return 1;
        } catch (ConfigException e) {
            e.errors().forEach(error -> System.err.println(error));
            return 1;
        } catch (IllegalStateException | java.io.IOException e) {
            System.err.println("gatehouse: " + e.getMessage());
            return 1;
        }
    }
}
