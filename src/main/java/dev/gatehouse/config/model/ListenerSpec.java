package dev.gatehouse.config.model;

/** A plain-HTTP listening socket and the limits it enforces on clients. */
public record ListenerSpec(String name, HostPort address, ListenerLimits limits) {
}
