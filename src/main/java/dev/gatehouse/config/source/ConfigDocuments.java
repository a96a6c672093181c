package dev.gatehouse.config.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.gatehouse.config.model.ConfigNode;
import dev.gatehouse.config.model.ConfigNode.ListNode;
import dev.gatehouse.config.model.ConfigNode.MapNode;
import dev.gatehouse.config.model.ConfigNode.ScalarNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A configuration as a JSON document, the form the Admin API reads, changes and exports: converted from the parsed
 * YAML tree, and back into one for the binder, which then checks a change with exactly the rules of the file.
 */
public final class ConfigDocuments {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build());
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,17})");

    private ConfigDocuments() {
    }

    /**
     * The YAML tree as JSON. Scalars read as YAML would: integers and booleans become JSON numbers and booleans,
     * everything else strings (the binder reads them back as the same text).
     */
    public static JsonNode toJson(ConfigNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node instanceof MapNode m) {
            ObjectNode o = f.objectNode();
            m.entries().forEach((k, v) -> o.set(k, toJson(v)));
            return o;
        }
        if (node instanceof ListNode l) {
            ArrayNode a = f.arrayNode();
            l.items().forEach(i -> a.add(toJson(i)));
            return a;
        }
        String t = ((ScalarNode) node).text();
        if (t == null) {
            return f.nullNode();
        } else if (t.equals("true") || t.equals("false")) {
            return f.booleanNode(Boolean.parseBoolean(t));
        } else if (INTEGER.matcher(t).matches()) {
            return f.numberNode(Long.parseLong(t));
        }
        return f.textNode(t);
    }

    /** A JSON document as the tree the binder reads (without lines: errors name the key path). */
    public static ConfigNode fromJson(JsonNode node) {
        if (node.isObject()) {
            Map<String, ConfigNode> entries = new LinkedHashMap<>();
            Map<String, Integer> lines = new HashMap<>();
            node.fields().forEachRemaining(e -> {
                entries.put(e.getKey(), fromJson(e.getValue()));
                lines.put(e.getKey(), 0);
            });
            return new MapNode(entries, lines, 0);
        }
        if (node.isArray()) {
            List<ConfigNode> items = new ArrayList<>();
            node.forEach(i -> items.add(fromJson(i)));
            return new ListNode(items, 0);
        }
        return new ScalarNode(node.isNull() ? null : node.asText(), 0);
    }

    public static String toYaml(JsonNode document) {
        try {
            return YAML.writeValueAsString(document);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String toJsonText(JsonNode document) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
