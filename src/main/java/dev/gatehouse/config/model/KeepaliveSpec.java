package dev.gatehouse.config.model;

import java.time.Duration;

/**
 * Upstream keep-alive policy: at most {@code maxIdlePerTarget} idle connections per target and per event
 * loop, each closed after {@code idleTimeout} unused.
 */
public record KeepaliveSpec(int maxIdlePerTarget, Duration idleTimeout) {

    public static final KeepaliveSpec DEFAULTS = new KeepaliveSpec(64, Duration.ofSeconds(60));
}
