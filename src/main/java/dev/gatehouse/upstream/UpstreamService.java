package dev.gatehouse.upstream;

import java.time.Duration;

/**
 * A service as the proxy uses it: where requests go and how long each step may take.
 *
 * @param basePath the path upstream request paths are joined to ("" for none)
 */
public record UpstreamService(
        String name,
        UpstreamGroup group,
        String basePath,
        Duration connectTimeout,
        Duration readTimeout,
        Duration writeTimeout) {
}
