package dev.gatehouse.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Formats access log entries as nginx's {@code combined} format, as one JSON object, or by a template. */
public final class AccessLogFormatter {

    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private AccessLogFormatter() {
    }

    /**
     * {@code ip - - [time] "METHOD uri PROTO" status bytes "referer" "ua"}, then the request id, route, upstream,
     * attempts and duration in seconds, as nginx's combined format with a few fields appended.
     */
    public static String combined(AccessLogEntry e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(e.clientIp()).append(" - - [").append(CLF.format(Instant.ofEpochMilli(e.startMillis()))).append("] \"")
                .append(e.method()).append(' ');
        escape(sb, e.uri(), false);
        sb.append(' ').append(e.protocol()).append("\" ").append(e.status()).append(' ').append(e.bytesSent())
                .append(" \"");
        escape(sb, e.referer() == null ? "-" : e.referer(), false);
        sb.append("\" \"");
        escape(sb, e.userAgent() == null ? "-" : e.userAgent(), false);
        sb.append("\" rid=").append(e.requestId())
                .append(" route=").append(e.route() == null ? "-" : e.route())
                .append(" upstream=").append(e.upstreamAddress() == null ? "-" : e.upstreamAddress())
                .append(" attempts=").append(e.upstreamAttempts())
                .append(" rt=").append(seconds(e.durationMicros()))
                .append(" urt=").append(e.upstreamMicros() < 0 ? "-" : seconds(e.upstreamMicros()));
        return sb.toString();
    }

    public static String json(AccessLogEntry e) {
        StringBuilder sb = new StringBuilder(320);
        sb.append('{');
        field(sb, "time", Instant.ofEpochMilli(e.startMillis()).toString()).append(',');
        field(sb, "client_ip", e.clientIp()).append(',');
        field(sb, "method", e.method()).append(',');
        field(sb, "uri", e.uri()).append(',');
        field(sb, "protocol", e.protocol()).append(',');
        sb.append("\"status\":").append(e.status()).append(',');
        sb.append("\"bytes_sent\":").append(e.bytesSent()).append(',');
        field(sb, "referer", e.referer()).append(',');
        field(sb, "user_agent", e.userAgent()).append(',');
        field(sb, "request_id", e.requestId()).append(',');
        field(sb, "route", e.route()).append(',');
        field(sb, "service", e.service()).append(',');
        field(sb, "upstream", e.upstreamAddress()).append(',');
        sb.append("\"upstream_attempts\":").append(e.upstreamAttempts()).append(',');
        sb.append("\"duration_ms\":").append(e.durationMicros() / 1000.0).append(',');
        sb.append("\"upstream_ms\":").append(e.upstreamMicros() < 0 ? "null" : String.valueOf(e.upstreamMicros() / 1000.0))
                .append(',');
        sb.append("\"upstream_status\":").append(e.upstreamStatus() == 0 ? "null" : String.valueOf(e.upstreamStatus()))
                .append(',');
        sb.append("\"gateway_ms\":").append(e.gatewayMicros() < 0 ? "null" : String.valueOf(e.gatewayMicros() / 1000.0))
                .append(',');
        sb.append("\"bytes_received\":").append(e.bytesReceived()).append(',');
        field(sb, "consumer", e.consumer()).append(',');
        field(sb, "trace_id", e.traceId());
        return sb.append('}').toString();
    }

    /** One piece of a compiled template: a literal or a variable, appended to the line. */
    private interface Piece {
        void append(StringBuilder sb, AccessLogEntry e);
    }

    /**
     * Compiles a template of {@code $variable} (or {@code ${variable}}) and literal text into a formatter.
     * Values are escaped as in the combined format; a missing value is {@code -}.
     *
     * @throws IllegalArgumentException naming an unknown variable
     */
    public static Function<AccessLogEntry, String> template(String template) {
        List<Piece> pieces = new ArrayList<>();
        Matcher m = VARIABLE.matcher(template);
        int from = 0;
        while (m.find()) {
            String literal = template.substring(from, m.start());
            if (!literal.isEmpty()) {
                pieces.add((sb, e) -> sb.append(literal));
            }
            pieces.add(variable(m.group(1) != null ? m.group(1) : m.group(2)));
            from = m.end();
        }
        String tail = template.substring(from);
        if (!tail.isEmpty()) {
            pieces.add((sb, e) -> sb.append(tail));
        }
        Piece[] compiled = pieces.toArray(Piece[]::new);
        return e -> {
            StringBuilder sb = new StringBuilder(192);
            for (Piece p : compiled) {
                p.append(sb, e);
            }
            return sb.toString();
        };
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([a-z0-9_]+)\\}|([a-z0-9_]+))");

    private static Piece variable(String name) {
        return switch (name) {
            case "remote_addr" -> text(AccessLogEntry::clientIp);
            case "time_iso8601" -> (sb, e) -> sb.append(Instant.ofEpochMilli(e.startMillis()));
            case "time_local" -> (sb, e) -> sb.append(CLF.format(Instant.ofEpochMilli(e.startMillis())));
            case "request" -> (sb, e) -> {
                sb.append(e.method()).append(' ');
                escape(sb, e.uri(), false);
                sb.append(' ').append(e.protocol());
            };
            case "request_method" -> text(AccessLogEntry::method);
            case "request_uri" -> text(AccessLogEntry::uri);
            case "server_protocol" -> text(AccessLogEntry::protocol);
            case "status" -> (sb, e) -> sb.append(e.status());
            case "body_bytes_sent" -> (sb, e) -> sb.append(e.bytesSent());
            case "request_body_bytes" -> (sb, e) -> sb.append(e.bytesReceived());
            case "http_referer" -> text(AccessLogEntry::referer);
            case "http_user_agent" -> text(AccessLogEntry::userAgent);
            case "request_id" -> text(AccessLogEntry::requestId);
            case "route" -> text(AccessLogEntry::route);
            case "service" -> text(AccessLogEntry::service);
            case "upstream_addr" -> text(AccessLogEntry::upstreamAddress);
            case "upstream_status" -> (sb, e) -> sb.append(e.upstreamStatus() == 0 ? "-"
                    : String.valueOf(e.upstreamStatus()));
            case "upstream_attempts" -> (sb, e) -> sb.append(e.upstreamAttempts());
            case "request_time" -> (sb, e) -> sb.append(seconds(e.durationMicros()));
            case "upstream_response_time" -> (sb, e) -> sb.append(e.upstreamMicros() < 0 ? "-"
                    : seconds(e.upstreamMicros()));
            case "gateway_time" -> (sb, e) -> sb.append(e.gatewayMicros() < 0 ? "-" : seconds(e.gatewayMicros()));
            case "consumer" -> text(AccessLogEntry::consumer);
            case "trace_id" -> text(AccessLogEntry::traceId);
            default -> throw new IllegalArgumentException("unknown access log variable $" + name);
        };
    }

    private static Piece text(Function<AccessLogEntry, String> value) {
        return (sb, e) -> {
            String v = value.apply(e);
            escape(sb, v == null ? "-" : v, false);
        };
    }

    private static String seconds(long micros) {
        return String.format(Locale.ROOT, "%.3f", micros / 1_000_000.0);
    }

    private static StringBuilder field(StringBuilder sb, String name, String value) {
        sb.append('"').append(name).append("\":");
        if (value == null) {
            return sb.append("null");
        }
        sb.append('"');
        escape(sb, value, true);
        return sb.append('"');
    }

    /** Escapes quotes, backslashes and control bytes so a client cannot forge log lines. */
    private static void escape(StringBuilder sb, String s, boolean json) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(json ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.format(Locale.ROOT, "\\x%02X",
                        (int) c));
            } else {
                sb.append(c);
            }
        }
    }
}
