package dev.gatehouse.plugins.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.ExchangeSummary;
import dev.gatehouse.plugin.api.PluginExchange;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One request as a JSON object, in the shape of Kong's log serializer (request, response, upstream, latencies,
 * route, service, consumer, client_ip, started_at), so that existing collectors and dashboards read it.
 * Credentials in headers ({@code Authorization}, {@code Proxy-Authorization}, {@code Cookie}) are redacted.
 */
final class LogEntries {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> REDACTED = Set.of("authorization", "proxy-authorization", "cookie");

    private LogEntries() {
    }

    static ObjectNode entry(PluginExchange exchange, int status) {
        ExchangeSummary s = exchange.summary();
        ObjectNode root = JSON.createObjectNode();
        root.put("started_at", s.startedAtMillis());
        root.put("time", Instant.ofEpochMilli(s.startedAtMillis()).toString());
        root.put("request_id", exchange.requestId());
        if (s.traceId() != null) {
            root.put("trace_id", s.traceId());
        }
        root.put("client_ip", exchange.clientIp());
        ObjectNode request = root.putObject("request");
        request.put("method", exchange.method());
        request.put("uri", s.uri());
        request.put("host", exchange.host());
        request.put("protocol", s.protocol());
        request.put("size", s.requestBytes());
        ObjectNode headers = request.putObject("headers");
        for (Map.Entry<String, String> h : exchange.requestHeaders()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            headers.put(name, REDACTED.contains(name) ? "REDACTED" : h.getValue());
        }
        ObjectNode response = root.putObject("response");
        response.put("status", status);
        response.put("size", s.responseBytes());
        ObjectNode upstream = root.putObject("upstream");
        if (s.upstreamAddress() != null) {
            upstream.put("address", s.upstreamAddress());
        }
        if (s.upstreamStatus() != 0) {
            upstream.put("status", s.upstreamStatus());
        }
        upstream.put("attempts", s.upstreamAttempts());
        ObjectNode latencies = root.putObject("latencies");
        latencies.put("request", s.totalMicros() / 1000.0);
        latencies.put("proxy", s.upstreamMicros() < 0 ? -1 : s.upstreamMicros() / 1000.0);
        latencies.put("gateway", s.gatewayMicros() < 0 ? -1 : s.gatewayMicros() / 1000.0);
        root.putObject("route").put("name", exchange.routeName());
        root.putObject("service").put("name", exchange.serviceName());
        Consumer consumer = exchange.attribute(Consumer.ATTRIBUTE);
        if (consumer != null) {
            root.putObject("consumer").put("username", consumer.username()).put("id", consumer.id());
        }
        return root;
    }
}
