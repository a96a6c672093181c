package dev.gatehouse.config.model;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A consistent-hash key: {@code ip}, {@code path}, {@code header:NAME}, {@code cookie:NAME} or
 * {@code query:NAME}.
 *
 * @param name the header, cookie or query parameter name; "" for {@code ip} and {@code path}
 */
public record HashKeySpec(Source source, String name) {

    public static final HashKeySpec IP = new HashKeySpec(Source.IP, "");

    /** Where the key comes from. */
    public enum Source { IP, PATH, HEADER, COOKIE, QUERY }

    /** Parses the config form; null when malformed. Header names are lower-cased. */
    public static @Nullable HashKeySpec parse(String text) {
        switch (text) {
            case "ip":
                return IP;
            case "path":
                return new HashKeySpec(Source.PATH, "");
            default:
                break;
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return null;
        }
        String name = text.substring(colon + 1);
        return switch (text.substring(0, colon)) {
            case "header" -> new HashKeySpec(Source.HEADER, name.toLowerCase(Locale.ROOT));
            case "cookie" -> new HashKeySpec(Source.COOKIE, name);
            case "query" -> new HashKeySpec(Source.QUERY, name);
            default -> null;
        };
    }

    @Override
    public String toString() {
        return name.isEmpty() ? source.name().toLowerCase(Locale.ROOT)
                : source.name().toLowerCase(Locale.ROOT) + ":" + name;
    }
}
