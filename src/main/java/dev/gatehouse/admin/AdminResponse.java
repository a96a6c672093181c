package dev.gatehouse.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.config.source.ConfigDocuments;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One Admin API answer. */
record AdminResponse(int status, String contentType, byte[] body) {

    static final String JSON = "application/json";

    static AdminResponse json(int status, JsonNode body) {
        return new AdminResponse(status, JSON, ConfigDocuments.toJsonText(body).getBytes(StandardCharsets.UTF_8));
    }

    static AdminResponse text(int status, String contentType, String body) {
        return new AdminResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code {"message": ...}} and optional extra fields, as Kong answers errors. */
    static AdminResponse message(int status, String message, Map<String, ?> extra) {
        var node = ConfigDocuments.JSON.createObjectNode().put("message", message);
        extra.forEach((k, v) -> node.set(k, ConfigDocuments.JSON.valueToTree(v)));
        return json(status, node);
    }

    static AdminResponse message(int status, String message) {
        return message(status, message, Map.of());
    }

    static AdminResponse noContent() {
        return new AdminResponse(204, JSON, new byte[0]);
    }
}
