package dev.gatehouse.config.model;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where routed requests go: a named upstream, or a single URL ({@code url:}), with the timeouts of the
 * upstream exchange. Exactly one of {@code upstream} and {@code url} is set.
 *
 * @param path the base path that upstream request paths are joined to ("" for none)
 * @param tls TLS to the URL's target: set for {@code https://} URLs (from the {@code tls:} block or the defaults)
 */
public record ServiceSpec(
        String name,
        @Nullable String upstream,
        @Nullable ServiceUrl url,
        String path,
        Duration connectTimeout,
        Duration readTimeout,
        Duration writeTimeout,
        RetrySpec retries,
        java.util.List<PluginSpec> plugins,
        @Nullable UpstreamTlsSpec tls,
        boolean http2) {

    public ServiceSpec {
        plugins = java.util.List.copyOf(plugins);
    }


    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);

    /** The parts of {@code url:} that name the target; the path goes to {@link ServiceSpec#path()}. */
    public record ServiceUrl(String scheme, HostPort address) {
    }
}
