package dev.gatehouse.config.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.model.ConfigNode;
import dev.gatehouse.config.model.ConfigNode.ListNode;
import dev.gatehouse.config.model.ConfigNode.MapNode;
import dev.gatehouse.config.model.ConfigNode.ScalarNode;
import dev.gatehouse.config.model.GatewaySpec;
import dev.gatehouse.config.model.SpecBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the declarative YAML file: parses it with line numbers, interpolates {@code ${VAR}} and
 * {@code ${VAR:-default}} in values, and binds it with {@link SpecBinder}. Blocking file I/O: call it off
 * the event loops.
 */
public final class YamlConfigLoader {

    private static final YAMLFactory YAML = YAMLFactory.builder().build();

    private final Function<String, String> env;

    /** A loader that reads variables from the process environment. */
    public YamlConfigLoader() {
        this(System::getenv);
    }

    /** A loader with its own variable lookup (returning null for unset variables); for tests. */
    public YamlConfigLoader(Function<String, String> env) {
        this.env = env;
    }

    /** Loads and validates a file; every problem is reported as {@code FILE:LINE: key.path: reason}. */
    public GatewaySpec load(Path file) throws ConfigException {
        return SpecBinder.bind(file.toString(), read(file));
    }

    /** Reads a file into the tree the binder reads, with variables interpolated; does not validate it. */
    public ConfigNode read(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file.toString(), 0, "",
                    "cannot read the file: " + e.getMessage())));
        }
        return tree(file.toString(), text);
    }

    /** Parses and validates YAML text; {@code source} is the name errors carry. */
    public GatewaySpec parse(String source, String text) throws ConfigException {
        return SpecBinder.bind(source, tree(source, text));
    }

    /** Parses YAML (or JSON) text into a tree with lines, interpolating variables; does not validate it. */
    public ConfigNode tree(String source, String text) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        ConfigNode root;
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new ConfigException(List.of(new ConfigError(source, 1, "", "the file is empty")));
            }
            root = new TreeBuilder(source, p, errors).node("");
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ConfigException(List.of(new ConfigError(source, line, "",
                    "not valid YAML: " + e.getOriginalMessage())));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(source, 0, "", e.getMessage())));
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return root;
    }

    /** Builds a {@link ConfigNode} tree from the token stream, interpolating variables in scalars. */
    private final class TreeBuilder {
        private final String source;
        private final JsonParser p;
        private final List<ConfigError> errors;

        TreeBuilder(String source, JsonParser p, List<ConfigError> errors) {
            this.source = source;
            this.p = p;
            this.errors = errors;
        }

        ConfigNode node(String path) throws IOException {
            JsonToken t = p.currentToken();
            int line = p.currentTokenLocation().getLineNr();
            if (t == JsonToken.START_OBJECT) {
                Map<String, ConfigNode> entries = new LinkedHashMap<>();
                Map<String, Integer> keyLines = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    p.nextToken();
                    String child = path.isEmpty() ? key : path + "." + key;
                    ConfigNode value = node(child);
                    if (entries.containsKey(key)) {
                        errors.add(new ConfigError(source, keyLine, child, "duplicate key"));
                    }
                    entries.put(key, value);
                    keyLines.put(key, keyLine);
                }
                return new MapNode(entries, keyLines, line);
            }
            if (t == JsonToken.START_ARRAY) {
                List<ConfigNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(node(path + "[" + items.size() + "]"));
                }
                return new ListNode(items, line);
            }
            if (t == JsonToken.VALUE_NULL) {
                return new ScalarNode(null, line);
            }
            String text = interpolate(p.getText(), path, line);
            return new ScalarNode(text, line);
        }

        private String interpolate(String text, String path, int line) {
            int start = text.indexOf("${");
            if (start < 0) {
                return text;
            }
            StringBuilder out = new StringBuilder(text.length());
            int from = 0;
            while (start >= 0) {
                int end = text.indexOf('}', start);
                if (end < 0) {
                    errors.add(new ConfigError(source, line, path, "unterminated '${' in '" + text + "'"));
                    return text;
                }
                out.append(text, from, start);
                String expr = text.substring(start + 2, end);
                int dflt = expr.indexOf(":-");
                String name = dflt < 0 ? expr : expr.substring(0, dflt);
                String value = env.apply(name);
                if (value == null || (dflt >= 0 && value.isEmpty())) {
                    if (dflt >= 0) {
                        value = expr.substring(dflt + 2);
                    } else {
                        errors.add(new ConfigError(source, line, path, "environment variable '" + name
                                + "' is not set (write ${" + name + ":-default} to give a default)"));
                        value = "";
                    }
                }
                out.append(value);
                from = end + 1;
                start = text.indexOf("${", from);
            }
            out.append(text, from, text.length());
            return out.toString();
        }
    }
}
