package dev.gatehouse.config.model;

import org.jspecify.annotations.Nullable;

/**
 * A listening socket and the limits it enforces on clients.
 *
 * @param tls TLS termination, or null for plain HTTP
 * @param httpRedirectPort on a plain listener: answer every request with a redirect to {@code https://} on this
 *     port (443 is left out of the URL), or 0 to proxy normally
 * @param h2c on a plain listener: accept HTTP/2 with prior knowledge beside HTTP/1.1
 */
public record ListenerSpec(String name, HostPort address, ListenerLimits limits, @Nullable TlsSpec tls,
        int httpRedirectPort, boolean h2c) {
}
