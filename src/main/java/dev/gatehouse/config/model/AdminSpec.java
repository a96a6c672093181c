package dev.gatehouse.config.model;

import org.jspecify.annotations.Nullable;

/**
 * {@code admin:} the Admin API's own listener (loopback by default). When {@code token} is set, every call needs
 * {@code Authorization: Bearer <token>}. With {@code tls}, the listener speaks HTTPS (and may require client
 * certificates), with certificates read at start-up.
 */
public record AdminSpec(HostPort address, @Nullable String token, @Nullable TlsSpec tls) {
    public static final HostPort DEFAULT_ADDRESS = new HostPort("127.0.0.1", 8001);
}
