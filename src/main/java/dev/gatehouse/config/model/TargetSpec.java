package dev.gatehouse.config.model;

/**
 * One backend address of an upstream, with its relative weight (default 1).
 *
 * @param backup takes traffic only when no primary target is healthy
 */
public record TargetSpec(HostPort address, int weight, boolean backup) {
}
