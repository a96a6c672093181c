package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.PluginExchange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One source of a {@code limit_by} key: {@code ip}, {@code consumer}, {@code credential}, {@code service},
 * {@code route}, {@code header:NAME}, {@code path} or {@code global}. Shared by the rate and concurrency limiters.
 */
record KeySource(String name, String kind, String arg) {

    static @Nullable KeySource parse(String text) {
        int colon = text.indexOf(':');
        String kind = colon < 0 ? text : text.substring(0, colon);
        String arg = colon < 0 ? "" : text.substring(colon + 1);
        return switch (kind) {
            case "ip", "consumer", "credential", "service", "route", "path", "global" ->
                    colon < 0 ? new KeySource(text, kind, "") : null;
            case "header" -> arg.isEmpty() ? null : new KeySource(text, kind, arg.toLowerCase(Locale.ROOT));
            default -> null;
        };
    }

    /**
     * Parses a {@code limit_by} list: entries tried in order, each a source or sources joined with {@code +}.
     *
     * @throws IllegalArgumentException naming the bad entry
     */
    static List<List<KeySource>> parseAll(List<String> limitBy) {
        List<List<KeySource>> keys = new ArrayList<>();
        for (int i = 0; i < limitBy.size(); i++) {
            List<KeySource> combination = new ArrayList<>();
            for (String part : limitBy.get(i).split("\\+")) {
                KeySource source = parse(part.trim());
                if (source == null) {
                    throw new IllegalArgumentException("limit_by[" + i + "]: '" + part + "' (expected: ip, consumer, "
                            + "credential, service, route, header:NAME, path or global, joined with +)");
                }
                combination.add(source);
            }
            keys.add(List.copyOf(combination));
        }
        return List.copyOf(keys);
    }

    /** The first key whose sources are all present in the request; the client address when none is. */
    static String key(List<List<KeySource>> keys, PluginExchange exchange) {
        if (keys.size() == 1 && keys.get(0).size() == 1 && keys.get(0).get(0).kind.equals("ip")) {
            // the common case needs no prefix: no other source can produce a key in this table
            return exchange.clientIp();
        }
        for (List<KeySource> combination : keys) {
            StringBuilder sb = new StringBuilder();
            boolean complete = true;
            for (KeySource source : combination) {
                String value = source.value(exchange);
                if (value == null) {
                    complete = false;
                    break;
                }
                sb.append(source.name).append('=').append(value).append('|');
            }
            if (complete) {
                return sb.toString();
            }
        }
        return "ip=" + exchange.clientIp();
    }

    @Nullable String value(PluginExchange exchange) {
        return switch (kind) {
            case "ip" -> exchange.clientIp();
            case "consumer" -> {
                Consumer c = exchange.attribute(Consumer.ATTRIBUTE);
                yield c == null ? null : c.id();
            }
            case "credential" -> exchange.attribute(Consumer.CREDENTIAL);
            case "service" -> exchange.serviceName();
            case "route" -> exchange.routeName();
            case "path" -> exchange.path();
            case "global" -> "";
            default -> exchange.requestHeaders().get(arg);
        };
    }
}
