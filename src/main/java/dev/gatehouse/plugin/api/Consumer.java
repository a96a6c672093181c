package dev.gatehouse.plugin.api;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A configured API consumer: who a request is, once an authentication plugin recognised it. Authentication plugins
 * store it in {@link #ATTRIBUTE}; authorization, rate limiting and logging read it there.
 *
 * @param id a stable id (the username's UUID v3 unless configured)
 * @param groups what ACLs check
 */
public record Consumer(String id, String username, @Nullable String customId, List<String> groups) {

    /** The authenticated consumer of a request. */
    public static final AttrKey<Consumer> ATTRIBUTE = AttrKey.of("consumer");

    /** The credential that authenticated the request (its id, safe to log), when there is one. */
    public static final AttrKey<String> CREDENTIAL = AttrKey.of("credential");

    public Consumer {
        groups = List.copyOf(groups);
    }
}
