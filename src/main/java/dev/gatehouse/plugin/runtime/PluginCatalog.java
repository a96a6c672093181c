package dev.gatehouse.plugin.runtime;

import dev.gatehouse.plugin.api.PluginFactory;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The plugins Gatehouse knows, by name: the built-ins and every {@link PluginFactory} that {@link ServiceLoader}
 * finds on the class path or in the jars of a plugins directory.
 */
public final class PluginCatalog {

    private final Map<String, PluginFactory<?>> factories;

    private PluginCatalog(Map<String, PluginFactory<?>> factories) {
        this.factories = Map.copyOf(factories);
    }

    /**
     * Loads the catalog.
     *
     * @param pluginsDir a directory whose {@code *.jar} files hold third-party plugins, or null
     * @throws IllegalStateException when two plugins share a name
     */
    public static PluginCatalog load(@Nullable Path pluginsDir) throws IOException {
        ClassLoader loader = PluginCatalog.class.getClassLoader();
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            List<URL> jars = new ArrayList<>();
            try (Stream<Path> files = Files.list(pluginsDir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                    jars.add(toUrl(p));
                }
            }
            loader = new URLClassLoader(jars.toArray(URL[]::new), loader);
        }
        Map<String, PluginFactory<?>> byName = new TreeMap<>();
        for (PluginFactory<?> f : ServiceLoader.load(PluginFactory.class, loader)) {
            PluginFactory<?> before = byName.putIfAbsent(f.name(), f);
            if (before != null && before.getClass() != f.getClass()) {
                throw new IllegalStateException("two plugins are named '" + f.name() + "': "
                        + before.getClass().getName() + " and " + f.getClass().getName());
            }
        }
        return new PluginCatalog(byName);
    }

    private static URL toUrl(Path p) throws MalformedURLException {
        return p.toUri().toURL();
    }

    public @Nullable PluginFactory<?> factory(String name) {
        return factories.get(name);
    }

    /** Every known plugin name, sorted. */
    public List<String> names() {
        return List.copyOf(factories.keySet());
    }
}
