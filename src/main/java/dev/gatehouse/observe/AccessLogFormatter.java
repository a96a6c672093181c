package dev.gatehouse.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Formats access log entries as nginx's {@code combined} format or as one JSON object. */
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
        sb.append("\"upstream_ms\":").append(e.upstreamMicros() < 0 ? "null" : String.valueOf(e.upstreamMicros() / 1000.0));
        return sb.append('}').toString();
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
