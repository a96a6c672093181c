package dev.gatehouse.plugins.iprestriction;

import dev.gatehouse.net.Cidr;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Stage;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ip-restriction}: admits or refuses clients by address (IPv4 and IPv6 CIDRs), on the real client address
 * (the one a trusted proxy forwarded for). A denied client gets 403. With {@code allow}, only those ranges are
 * admitted; {@code deny} refuses its ranges and wins over {@code allow}.
 */
public final class IpRestrictionPlugin implements Plugin {

    /** @param status the status of a refusal */
    public record Config(List<String> allow, List<String> deny, int status, String message) {
        public static final Config DEFAULTS = new Config(List.of(), List.of(), 403,
                "your IP address is not allowed");
    }

    private final List<Cidr> allow;
    private final List<Cidr> deny;
    private final Outcome refusal;

    private IpRestrictionPlugin(List<Cidr> allow, List<Cidr> deny, Config config) {
        this.allow = allow;
        this.deny = deny;
        this.refusal = Outcome.error(config.status(), "ip_not_allowed", config.message());
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        Cidr client = Cidr.parse(exchange.clientIp());
        if (client == null) {
            return refusal;
        }
        InetAddress address;
        try {
            address = InetAddress.getByAddress(client.network());
        } catch (UnknownHostException e) {
            return refusal;
        }
        for (Cidr c : deny) {
            if (c.contains(address)) {
                return refusal;
            }
        }
        if (allow.isEmpty()) {
            return Outcome.CONTINUE;
        }
        for (Cidr c : allow) {
            if (c.contains(address)) {
                return Outcome.CONTINUE;
            }
        }
        return refusal;
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("ip-restriction", Config.class, Stage.PRE, 990);
        }

        @Override
        public Plugin create(Config config) {
            if (config.allow().isEmpty() && config.deny().isEmpty()) {
                throw new IllegalArgumentException("allow and deny are both empty (expected: at least one range)");
            }
            return new IpRestrictionPlugin(parse("allow", config.allow()), parse("deny", config.deny()), config);
        }

        private static List<Cidr> parse(String key, List<String> ranges) {
            List<Cidr> out = new ArrayList<>();
            for (int i = 0; i < ranges.size(); i++) {
                Cidr c = Cidr.parse(ranges.get(i));
                if (c == null) {
                    throw new IllegalArgumentException(key + "[" + i + "]: '" + ranges.get(i)
                            + "' is not an address or CIDR (expected: 10.0.0.0/8 or ::1)");
                }
                out.add(c);
            }
            return List.copyOf(out);
        }
    }
}
