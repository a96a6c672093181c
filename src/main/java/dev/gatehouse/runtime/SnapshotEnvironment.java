package dev.gatehouse.runtime;

import dev.gatehouse.config.model.ConsumerSpec;
import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.Credential;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.SharedStore;
import dev.gatehouse.plugin.runtime.PluginStates;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What plugins of one snapshot see when they are created: its consumers and their credentials, the shared
 * store, and state kept from the previous snapshot ({@link #forPlugin} gives each entry its own view).
 */
final class SnapshotEnvironment {

    private final Map<String, Consumer> byUsername = new HashMap<>();
    private final Map<String, List<Credential>> byPlugin = new HashMap<>();
    private final @Nullable SharedStore store;
    private final PluginStates states;
    private final Set<String> claimed = new java.util.HashSet<>();

    SnapshotEnvironment(List<ConsumerSpec> consumers, @Nullable SharedStore store, PluginStates states) {
        this.store = store;
        this.states = states;
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

    List<Credential> credentials(String pluginName) {
        return List.copyOf(byPlugin.getOrDefault(pluginName, List.of()));
    }

    @Nullable Consumer consumer(String username) {
        return byUsername.get(username);
    }

    /** The keys of the retained state this snapshot's plugins asked for: the rest is dropped after the swap. */
    Set<String> claimedStates() {
        return Set.copyOf(claimed);
    }

    /** The environment of one plugin entry: its scope, and retained state under its name and scope. */
    PluginEnvironment forPlugin(String pluginName, String scope) {
        SnapshotEnvironment shared = this;
        return new PluginEnvironment() {
            @Override
            public List<Credential> credentials(String name) {
                return shared.credentials(name);
            }

            @Override
            public @Nullable Consumer consumer(String username) {
                return shared.consumer(username);
            }

            @Override
            public @Nullable SharedStore sharedStore() {
                return store;
            }

            @Override
            public String scope() {
                return scope;
            }

            @Override
            public <T> T retained(String key, Class<T> type, Supplier<T> create) {
                String full = pluginName + "|" + scope + "|" + key;
                claimed.add(full);
                return states.get(full, type, create);
            }
        };
    }
}
