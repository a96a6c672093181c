package dev.gatehouse.plugin.api;

import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/**
 * The headers that tell the upstream who called, set by authentication plugins (Kong's names). A client's own
 * copies are removed first, so the upstream can trust them.
 */
public final class IdentityHeaders {

    public static final String CONSUMER_ID = "x-consumer-id";
    public static final String CONSUMER_USERNAME = "x-consumer-username";
    public static final String CONSUMER_CUSTOM_ID = "x-consumer-custom-id";
    public static final String CREDENTIAL_IDENTIFIER = "x-credential-identifier";
    public static final String ANONYMOUS = "x-anonymous-consumer";

    private IdentityHeaders() {
    }

    /** Removes every identity header the client sent. */
    public static void clear(HttpHeaders h) {
        h.remove(CONSUMER_ID);
        h.remove(CONSUMER_USERNAME);
        h.remove(CONSUMER_CUSTOM_ID);
        h.remove(CREDENTIAL_IDENTIFIER);
        h.remove(ANONYMOUS);
    }

    /** Records the authenticated consumer on the exchange and tells the upstream. */
    public static void authenticated(PluginExchange exchange, Consumer consumer, @Nullable String credentialId,
            boolean anonymous) {
        HttpHeaders h = exchange.requestHeaders();
        exchange.attribute(Consumer.ATTRIBUTE, consumer);
        h.set(CONSUMER_ID, consumer.id());
        h.set(CONSUMER_USERNAME, consumer.username());
        if (consumer.customId() != null) {
            h.set(CONSUMER_CUSTOM_ID, consumer.customId());
        }
        if (credentialId != null) {
            exchange.attribute(Consumer.CREDENTIAL, credentialId);
            h.set(CREDENTIAL_IDENTIFIER, credentialId);
        }
        if (anonymous) {
            h.set(ANONYMOUS, "true");
        }
    }
}
