package dev.gatehouse.config.model;

import java.time.Duration;

/**
 * {@code redis:} the Redis server shared by every plugin that uses one (rate limiting across nodes).
 *
 * @param url a Lettuce URI: {@code redis://host:port/db}, {@code rediss://} for TLS, {@code redis-sentinel://}
 * @param timeout connect and command timeout
 */
public record RedisSpec(String url, Duration timeout) {
}
