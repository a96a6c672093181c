package dev.gatehouse.plugin.api;

/**
 * A {@link PluginFactory} whose name, configuration type, stage and priority are fixed values given to the
 * constructor; a subclass implements only {@code create}. Keep the subclass's no-argument constructor public:
 * {@link java.util.ServiceLoader} calls it.
 */
public abstract class BasePluginFactory<C extends Record> implements PluginFactory<C> {

    private final String name;
    private final Class<C> configType;
    private final Stage stage;
    private final int priority;

    protected BasePluginFactory(String name, Class<C> configType, Stage stage, int priority) {
        this.name = name;
        this.configType = configType;
        this.stage = stage;
        this.priority = priority;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Class<C> configType() {
        return configType;
    }

    @Override
    public final Stage stage() {
        return stage;
    }

    @Override
    public final int priority() {
        return priority;
    }
}
