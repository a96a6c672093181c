package dev.gatehouse.runtime;

import dev.gatehouse.config.model.ConsumerSpec;
import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.Credential;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.SharedStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What plugins of one snapshot see when they are created: its consumers and their credentials, and the shared
 * store.
 */
final class SnapshotEnvironment implements PluginEnvironment {

    private final Map<String, Consumer> byUsername = new HashMap<>();
    private final Map<String, List<Credential>> byPlugin = new HashMap<>();
    private final @Nullable SharedStore store;

    SnapshotEnvironment(List<ConsumerSpec> consumers, @Nullable SharedStore store) {
        this.store = store;
        for (ConsumerSpec spec : consumers) {
            Consumer consumer = new Consumer(uuid("consumer/" + spec.username()), spec.username(), spec.customId(),
                    spec.groups());
            byUsername.put(spec.username(), consumer);
            spec.credentials().forEach((plugin, entries) -> {
                for (int i = 0; i < entries.size(); i++) {
                    byPlugin.computeIfAbsent(plugin, k -> new ArrayList<>()).add(new Credential(consumer,
                            uuid("credential/" + spec.username() + "/" + plugin + "/" + i), entries.get(i),
                            spec.path() + ".credentials." + plugin + "[" + i + "]"));
                }
            });
        }
    }

    /** Stable ids: the same username (and credential position) gives the same id on every node and reload. */
    private static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The plugin names that consumers have credentials for. */
    List<String> credentialPlugins() {
        return List.copyOf(byPlugin.keySet());
    }

    @Override
    public List<Credential> credentials(String pluginName) {
        return List.copyOf(byPlugin.getOrDefault(pluginName, List.of()));
    }

    @Override
    public @Nullable Consumer consumer(String username) {
        return byUsername.get(username);
    }

    @Override
    public @Nullable SharedStore sharedStore() {
        return store;
    }
}
