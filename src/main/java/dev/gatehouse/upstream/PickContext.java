package dev.gatehouse.upstream;

import org.jspecify.annotations.Nullable;

/**
 * What a balancer may consider besides the endpoints: an endpoint to avoid (the one a retry just failed on),
 * the attempt number (1 for the first try) and the consistent-hash key.
 */
public record PickContext(@Nullable Endpoint avoid, int attempt, @Nullable String hashKey) {

    public static final PickContext FIRST = new PickContext(null, 1, null);
}
