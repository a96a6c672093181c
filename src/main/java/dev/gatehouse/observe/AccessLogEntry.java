package dev.gatehouse.observe;

import org.jspecify.annotations.Nullable;

/**
 * The facts of one completed request, captured on the event loop and formatted off it.
 *
 * @param startMillis epoch millis when the request head arrived
 * @param bytesSent response body bytes sent to the client
 * @param durationMicros from request head to the last response byte written
 * @param upstreamMicros from the first upstream attempt to the response head, or -1
 * @param upstreamAttempts upstream connections tried (0 when answered locally)
 * @param upstreamStatus the upstream response's status, or 0 when the gateway answered itself
 * @param gatewayMicros from the request head to the first upstream attempt (routing, plugins), or -1
 * @param bytesReceived request body bytes received from the client
 * @param consumer the authenticated consumer's username, or null
 * @param traceId the W3C trace id, or null
 */
public record AccessLogEntry(
        long startMillis,
        String clientIp,
        String method,
        String uri,
        String protocol,
        int status,
        long bytesSent,
        @Nullable String referer,
        @Nullable String userAgent,
        String requestId,
        @Nullable String route,
        @Nullable String service,
        @Nullable String upstreamAddress,
        int upstreamAttempts,
        long durationMicros,
        long upstreamMicros,
        int upstreamStatus,
        long gatewayMicros,
        long bytesReceived,
        @Nullable String consumer,
        @Nullable String traceId) {
}
