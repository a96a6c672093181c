package dev.gatehouse.config.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A parsed configuration document, independent of its format, that remembers the line of every value
 * so that errors can point at it. Sources (the YAML file, the Admin API) build these trees;
 * {@link SpecBinder} turns them into specs.
 */
public sealed interface ConfigNode {

    /** 1-based line in the source, 0 when the source has no lines. */
    int line();

    /** A short name of the node's kind for error messages ("a map", "a list", "a string"). */
    String kind();

    /** A mapping, in document order. {@code keyLines} gives the line of each key. */
    record MapNode(Map<String, ConfigNode> entries, Map<String, Integer> keyLines, int line) implements ConfigNode {
        public MapNode {
            entries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entries));
            keyLines = Map.copyOf(keyLines);
        }

        @Override
        public String kind() {
            return "a map";
        }
    }

    /** A sequence. */
    record ListNode(List<ConfigNode> items, int line) implements ConfigNode {
        public ListNode {
            items = List.copyOf(items);
        }

        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A scalar as text; {@code text} is null for an explicit null. */
    record ScalarNode(@Nullable String text, int line) implements ConfigNode {
        @Override
        public String kind() {
            return text == null ? "null" : "a value";
        }
    }
}
