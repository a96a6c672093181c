package dev.gatehouse.config.model;

import java.time.Duration;
import java.util.List;

/**
 * {@code redis:} the Redis shared by every plugin that uses one (rate limiting across nodes): one server or a
 * Sentinel-monitored master by {@code url}, or a Cluster by {@code cluster_nodes}.
 *
 * @param url a Lettuce URI: {@code redis://host:port/db}, {@code rediss://} for TLS,
 *     {@code redis-sentinel://host:port,host:port/db#master}; empty with {@code cluster_nodes}
 * @param clusterNodes seed nodes of a Redis Cluster ({@code redis://host:port}), or empty
 * @param timeout connect and command timeout
 */
public record RedisSpec(String url, List<String> clusterNodes, Duration timeout) {
    public RedisSpec {
        clusterNodes = List.copyOf(clusterNodes);
    }
}
