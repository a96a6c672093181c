package dev.gatehouse.config.model;

/**
 * {@code status:} an optional read-only listener for orchestrators and scrapers: {@code /health/live},
 * {@code /health/ready}, {@code /status} and {@code /metrics}, without a token (Kong's status API).
 */
public record StatusSpec(HostPort address) {
}
