package dev.gatehouse.plugin.api;

import org.jspecify.annotations.Nullable;

/**
 * What happened to one request, for log plugins ({@link Plugin#onComplete}): timings, sizes and the upstream.
 *
 * @param uri the request target as the client sent it
 * @param requestBytes request body bytes received
 * @param responseBytes response bytes sent to the client
 * @param upstreamAddress the target that answered (or was tried last), or null
 * @param upstreamStatus the upstream's status, or 0 when the gateway answered itself
 * @param totalMicros from the request head to now
 * @param upstreamMicros from the first upstream try to its response head, or -1
 * @param gatewayMicros from the request head to the first upstream try (routing, plugins), or -1
 * @param traceId the W3C trace id, or null
 */
public record ExchangeSummary(long startedAtMillis, String uri, String protocol, long requestBytes,
        long responseBytes, @Nullable String upstreamAddress, int upstreamStatus, int upstreamAttempts,
        long totalMicros, long upstreamMicros, long gatewayMicros, @Nullable String traceId) {
}
