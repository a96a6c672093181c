package dev.gatehouse.plugin.api;

import java.util.Map;

/**
 * One credential of a consumer for one authentication plugin, as configured under
 * {@code consumers[].credentials.<plugin-name>}: the plugin reads and checks its fields when it is created.
 *
 * @param id a stable identifier of the credential, safe to log and to forward (never the secret)
 * @param path the credential's key path in the configuration, for error messages
 */
public record Credential(Consumer consumer, String id, Map<String, String> fields, String path) {

    public Credential {
        fields = Map.copyOf(fields);
    }
}
