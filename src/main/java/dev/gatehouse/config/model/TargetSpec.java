package dev.gatehouse.config.model;

/** One backend address of an upstream, with its relative weight (default 1). */
public record TargetSpec(HostPort address, int weight) {
}
