package dev.gatehouse.config.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The access log: where lines go ({@code stdout}, {@code off}, or a file path) and their format: nginx's
 * {@code combined}, {@code json}, or a template of {@code $variables} (nginx's names where nginx has one).
 *
 * @param template the line template when the format is {@link Format#TEMPLATE}, else null
 */
public record AccessLogSpec(String target, Format format, @Nullable String template) {

    public static final AccessLogSpec DEFAULTS = new AccessLogSpec("stdout", Format.COMBINED, null);

    /** The variables a template may use; the formatter knows each of them (a test keeps the two lists equal). */
    public static final List<String> VARIABLES = List.of("remote_addr", "time_iso8601", "time_local",
            "request", "request_method", "request_uri", "server_protocol", "status", "body_bytes_sent",
            "request_body_bytes", "http_referer", "http_user_agent", "request_id", "route", "service",
            "upstream_addr", "upstream_status", "upstream_attempts", "request_time", "upstream_response_time",
            "gateway_time", "consumer", "trace_id");

    public boolean enabled() {
        return !"off".equals(target);
    }

    /** Line formats: nginx's {@code combined}, one JSON object per line, or a template. */
    public enum Format { COMBINED, JSON, TEMPLATE }
}
