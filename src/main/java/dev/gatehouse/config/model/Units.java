package dev.gatehouse.config.model;

import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Parses the human units of the config file: durations ({@code 250ms}, {@code 2s}) and sizes ({@code 16k}). */
public final class Units {

    private Units() {
    }

    /**
     * Parses {@code <number><unit>} with units {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}.
     *
     * @return the duration, or null when the text is not a duration
     */
    public static @Nullable Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int split = digitsEnd(t);
        if (split == 0 || split == t.length()) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(t.substring(0, split));
        } catch (NumberFormatException e) {
            return null;
        }
        return switch (t.substring(split)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> null;
        };
    }

    /**
     * Parses a byte size: a plain number of bytes, or a number with {@code k}, {@code m} or {@code g}
     * (binary multiples, as nginx reads them; a trailing {@code b} is allowed: {@code 16kb}).
     *
     * @return the size in bytes, or -1 when the text is not a size
     */
    public static long parseSize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("b") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        int split = digitsEnd(t);
        if (split == 0) {
            return -1;
        }
        long n;
        try {
            n = Long.parseLong(t.substring(0, split));
        } catch (NumberFormatException e) {
            return -1;
        }
        return switch (t.substring(split)) {
            case "" -> n;
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> -1;
        };
    }

    /** Formats a duration the way the config file writes it. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 60 != 0 || s == 0) {
            return s + "s";
        }
        return s % 3600 == 0 ? s / 3600 + "h" : s / 60 + "m";
    }

    private static int digitsEnd(String t) {
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        return i;
    }
}
