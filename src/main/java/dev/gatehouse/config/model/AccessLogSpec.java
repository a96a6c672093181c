package dev.gatehouse.config.model;

/**
 * The access log: where lines go ({@code stdout}, {@code off}, or a file path) and their format.
 */
public record AccessLogSpec(String target, Format format) {

    public static final AccessLogSpec DEFAULTS = new AccessLogSpec("stdout", Format.COMBINED);

    public boolean enabled() {
        return !"off".equals(target);
    }

    /** Line formats: nginx's {@code combined}, or one JSON object per line. */
    public enum Format { COMBINED, JSON }
}
