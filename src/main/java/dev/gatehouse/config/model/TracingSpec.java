package dev.gatehouse.config.model;

import org.jspecify.annotations.Nullable;

/**
 * {@code tracing:} a span per proxied request with W3C trace context ({@code traceparent}, {@code tracestate})
 * passed on to the upstream; spans exported with OpenTelemetry over OTLP/HTTP when {@code otlp_endpoint} is set.
 *
 * @param otlpEndpoint the collector's traces URL, such as {@code http://127.0.0.1:4318/v1/traces}; null exports nothing
 * @param samplingRatio the share of new traces recorded (0 to 1); a sampled parent is always followed
 * @param serviceName the {@code service.name} of the spans
 */
public record TracingSpec(@Nullable String otlpEndpoint, double samplingRatio, String serviceName) {
}
