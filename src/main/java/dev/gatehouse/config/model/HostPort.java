package dev.gatehouse.config.model;

import dev.gatehouse.net.Cidr;
import org.jspecify.annotations.Nullable;

/** A host (name, IPv4, or bracketed IPv6) and a port, as written in {@code address:} keys. */
public record HostPort(String host, int port) {

    /** Parses {@code host:port} or {@code [v6]:port} (port 0..65535); null when malformed. */
    public static @Nullable HostPort parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return null;
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            return null;
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (host.isEmpty() || port < 0 || port > 65535) {
            return null;
        }
        return new HostPort(host, port);
    }

    /** True when the host is an IPv4 or IPv6 literal, which needs no name resolution. */
    public boolean literal() {
        return Cidr.parse(host) != null;
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
