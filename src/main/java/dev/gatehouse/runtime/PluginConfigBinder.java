package dev.gatehouse.runtime;

import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigNode;
import dev.gatehouse.config.model.ConfigNode.ListNode;
import dev.gatehouse.config.model.ConfigNode.MapNode;
import dev.gatehouse.config.model.ConfigNode.ScalarNode;
import dev.gatehouse.config.model.Units;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Binds a plugin's {@code config:} map to its configuration record (see
 * {@link dev.gatehouse.plugin.api.PluginFactory} for the rules), collecting every error with its line and key path.
 */
final class PluginConfigBinder {

    private final String source;
    private final List<ConfigError> errors;

    PluginConfigBinder(String source, List<ConfigError> errors) {
        this.source = source;
        this.errors = errors;
    }

    /** @return the record, or null when the map had errors (they were recorded) */
    <C extends Record> @Nullable C bind(Class<C> type, @Nullable ConfigNode node, String path, int line) {
        ConfigNode map = node != null ? node : new MapNode(Map.of(), Map.of(), line);
        return type.cast(record(type, map, path));
    }

    private @Nullable Object record(Class<?> type, ConfigNode node, String path) {
        if (!(node instanceof MapNode map)) {
            return error(node, path, "is " + node.kind() + " (expected: a map)");
        }
        RecordComponent[] components = type.getRecordComponents();
        Object defaults = defaults(type);
        Object[] args = new Object[components.length];
        Map<String, RecordComponent> known = new LinkedHashMap<>();
        boolean ok = true;
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String key = snakeCase(c.getName());
            known.put(key, c);
            ConfigNode value = map.entries().get(key);
            String keyPath = path + "." + key;
            if (value == null || (value instanceof ScalarNode s && s.text() == null)) {
                if (defaults != null) {
                    args[i] = invoke(c, defaults);
                } else if (c.getAnnotatedType().isAnnotationPresent(Nullable.class)) {
                    args[i] = null;
                } else if (c.getType() == boolean.class) {
                    args[i] = false;
                } else {
                    errors.add(new ConfigError(source, map.line(), keyPath, "is required"));
                    ok = false;
                }
                continue;
            }
            Object bound = value(c.getGenericType(), value, keyPath);
            if (bound == null) {
                ok = false;
            }
            args[i] = bound;
        }
        for (String key : map.entries().keySet()) {
            if (!known.containsKey(key)) {
                errors.add(new ConfigError(source, map.keyLines().getOrDefault(key, map.line()), path + "." + key,
                        "unknown key (expected one of: " + String.join(", ", known.keySet()) + ")"));
                ok = false;
            }
        }
        if (!ok) {
            return null;
        }
        try {
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
            }
            var constructor = type.getDeclaredConstructor(types);
            // plugin configs may be nested in non-public classes
            constructor.setAccessible(true);
            return constructor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return error(node, path, cause.getMessage() == null ? cause.toString() : cause.getMessage());
        }
    }

    private @Nullable Object value(Type type, ConfigNode node, String path) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == List.class) {
            if (!(node instanceof ListNode list)) {
                return error(node, path, "is " + node.kind() + " (expected: a list)");
            }
            Type item = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            boolean ok = true;
            for (int i = 0; i < list.items().size(); i++) {
                Object v = value(item, list.items().get(i), path + "[" + i + "]");
                ok &= v != null;
                out.add(v);
            }
            return ok ? List.copyOf(out) : null;
        }
        if (raw == Map.class) {
            if (!(node instanceof MapNode map)) {
                return error(node, path, "is " + node.kind() + " (expected: a map)");
            }
            Type item = ((ParameterizedType) type).getActualTypeArguments()[1];
            Map<String, Object> out = new LinkedHashMap<>();
            boolean ok = true;
            for (var e : map.entries().entrySet()) {
                Object v = value(item, e.getValue(), path + "." + e.getKey());
                ok &= v != null;
                out.put(e.getKey(), v);
            }
            return ok ? Map.copyOf(out) : null;
        }
        if (raw.isRecord()) {
            return record(raw, node, path);
        }
        if (!(node instanceof ScalarNode scalar) || scalar.text() == null) {
            return error(node, path, "is " + node.kind() + " (expected: " + expected(raw) + ")");
        }
        String text = scalar.text();
        try {
            if (raw == String.class) {
                return text;
            }
            if (raw == int.class || raw == Integer.class) {
                return Integer.parseInt(text.trim());
            }
            if (raw == long.class || raw == Long.class) {
                // a long may be written as a byte size too (64m, 16kb), as listener limits are
                long size = Units.parseSize(text);
                return size >= 0 ? Long.valueOf(size) : Long.valueOf(Long.parseLong(text.trim()));
            }
            if (raw == double.class || raw == Double.class) {
                return Double.parseDouble(text.trim());
            }
        } catch (NumberFormatException e) {
            return error(node, path, "'" + text + "' is not " + expected(raw));
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return switch (text) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> error(node, path, "'" + text + "' is not a boolean (expected: true | false)");
            };
        }
        if (raw == Duration.class) {
            Duration d = Units.parseDuration(text);
            return d != null ? d : error(node, path, "'" + text + "' is not a duration (expected: such as 250ms, 2s)");
        }
        if (raw.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object constant : raw.getEnumConstants()) {
                String name = ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-');
                if (name.equals(text)) {
                    return constant;
                }
                names.add(name);
            }
            return error(node, path, "'" + text + "' (expected: " + String.join(" | ", names) + ")");
        }
        return error(node, path, "has a type plugins cannot be configured with: " + raw.getSimpleName());
    }

    private static String expected(Class<?> raw) {
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            return "an integer";
        }
        if (raw == double.class || raw == Double.class) {
            return "a number";
        }
        return "a " + raw.getSimpleName().toLowerCase(Locale.ROOT);
    }

    private @Nullable Object error(ConfigNode node, String path, String reason) {
        errors.add(new ConfigError(source, node.line(), path, reason));
        return null;
    }

    private static @Nullable Object defaults(Class<?> type) {
        try {
            Field f = type.getDeclaredField("DEFAULTS");
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != type) {
                return null;
            }
            f.setAccessible(true);
            return f.get(null);
        } catch (NoSuchFieldException | IllegalAccessException e) {
            return null;
        }
    }

    private static Object invoke(RecordComponent c, Object instance) {
        try {
            var accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(instance);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static String snakeCase(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                sb.append('_').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
