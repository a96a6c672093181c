package dev.gatehouse.plugins.compression;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * {@code Accept-Encoding} negotiation (RFC 9110, section 12.5.3): the coding with the highest q-value among those
 * offered; ties go to the gateway's order of preference; {@code *} stands for every coding not named; q=0 refuses.
 */
final class AcceptEncoding {

    private AcceptEncoding() {
    }

    /** The coding to send, among {@code offered} (in preference order), or null for none (identity). */
    static @Nullable ContentCoding choose(@Nullable String header, List<ContentCoding> offered) {
        if (header == null || header.isBlank()) {
            return null;
        }
        ContentCoding best = null;
        double bestQ = 0;
        for (ContentCoding coding : offered) {
            double q = quality(header, coding.token);
            if (q > bestQ) {
                best = coding;
                bestQ = q;
            }
        }
        return best;
    }

    /** Whether the client accepts {@code coding}; a request without the header accepts none (as nginx's gunzip). */
    static boolean accepts(@Nullable String header, ContentCoding coding) {
        return header != null && quality(header, coding.token) > 0;
    }

    /** The q-value the header gives {@code token}: its own entry, else {@code *}'s, else 0. */
    static double quality(String header, String token) {
        double star = 0;
        for (String part : header.split(",")) {
            int semi = part.indexOf(';');
            String name = (semi < 0 ? part : part.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
            double q = semi < 0 ? 1 : parseQ(part.substring(semi + 1));
            if (name.equals(token) || "gzip".equals(token) && "x-gzip".equals(name)) {
                return q;
            }
            if ("*".equals(name)) {
                star = q;
            }
        }
        return star;
    }

    private static double parseQ(String params) {
        for (String p : params.split(";")) {
            String t = p.trim();
            if (t.length() > 2 && (t.charAt(0) == 'q' || t.charAt(0) == 'Q') && t.charAt(1) == '=') {
                try {
                    double q = Double.parseDouble(t.substring(2).trim());
                    return q < 0 || q > 1 || Double.isNaN(q) ? 0 : q;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}
