package dev.gatehouse.plugins.acl;

import dev.gatehouse.plugin.api.Consumer;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import java.util.List;
import java.util.Set;

/**
 * {@code acl}: admits consumers by their groups, after authentication. With {@code allow}, a consumer needs one of
 * those groups; a consumer in any {@code deny} group is refused (403). A request without an authenticated consumer
 * gets 401. The consumer's groups are sent upstream as {@code X-Consumer-Groups} unless {@code hide_groups_header}.
 */
public final class AclPlugin implements Plugin {

    static final String GROUPS_HEADER = "x-consumer-groups";

    public record Config(List<String> allow, List<String> deny, boolean hideGroupsHeader) {
        public static final Config DEFAULTS = new Config(List.of(), List.of(), false);
    }

    private static final Outcome NO_CONSUMER = Outcome.error(401, "unauthorized",
            "no authenticated consumer (the acl plugin needs an authentication plugin before it)");
    private static final Outcome REFUSED = Outcome.error(403, "forbidden", "you cannot consume this service");

    private final Set<String> allow;
    private final Set<String> deny;
    private final boolean hideGroups;

    private AclPlugin(Config config) {
        this.allow = Set.copyOf(config.allow());
        this.deny = Set.copyOf(config.deny());
        this.hideGroups = config.hideGroupsHeader();
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        exchange.requestHeaders().remove(GROUPS_HEADER);
        Consumer consumer = exchange.attribute(Consumer.ATTRIBUTE);
        if (consumer == null) {
            return NO_CONSUMER;
        }
        boolean allowed = allow.isEmpty();
        for (String group : consumer.groups()) {
            if (deny.contains(group)) {
                return REFUSED;
            }
            allowed |= allow.contains(group);
        }
        if (!allowed) {
            return REFUSED;
        }
        if (!hideGroups && !consumer.groups().isEmpty()) {
            exchange.requestHeaders().set(GROUPS_HEADER, String.join(", ", consumer.groups()));
        }
        return Outcome.CONTINUE;
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("acl", Config.class, Stage.AUTHZ, 950);
        }

        @Override
        public Plugin create(Config config) {
            if (config.allow().isEmpty() && config.deny().isEmpty()) {
                throw new IllegalArgumentException("allow and deny are both empty (expected: at least one group)");
            }
            return new AclPlugin(config);
        }
    }
}
