package dev.gatehouse.config.model;

import dev.gatehouse.net.Cidr;
import dev.gatehouse.config.model.ConfigNode.ListNode;
import dev.gatehouse.config.model.ConfigNode.MapNode;
import dev.gatehouse.config.model.ConfigNode.ScalarNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link ConfigNode} tree into a {@link GatewaySpec}, collecting every error (unknown keys, bad
 * values, dangling references) instead of stopping at the first. This is the one place where the config
 * contract is checked, whichever source the tree came from.
 */
public final class SpecBinder {

    private static final Set<String> HTTP_METHODS = Set.of(
            "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._~-]*");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final String source;
    /** Where relative file names (certificates) are resolved: the configuration file's directory. */
    private final Path baseDir;
    private final List<ConfigError> errors = new ArrayList<>();

    private SpecBinder(String source, Path baseDir) {
        this.source = source;
        this.baseDir = baseDir;
    }

    /**
     * Binds and validates a whole document.
     *
     * @param source the name errors carry (a file path, or {@code admin-api})
     * @throws ConfigException with every error found
     */
    public static GatewaySpec bind(String source, ConfigNode root) throws ConfigException {
        Path asFile = Path.of(source).toAbsolutePath();
        return bind(source, root, asFile.getParent() != null && java.nio.file.Files.isRegularFile(asFile)
                ? asFile.getParent() : Path.of("").toAbsolutePath());
    }

    /**
     * Binds with relative file names resolved in {@code baseDir} (the Admin API passes the configuration file's
     * directory, so a document means the same whichever door it came through).
     */
    public static GatewaySpec bind(String source, ConfigNode root, Path baseDir) throws ConfigException {
        SpecBinder binder = new SpecBinder(source, baseDir);
        GatewaySpec spec = binder.gateway(root);
        if (!binder.errors.isEmpty()) {
            throw new ConfigException(binder.errors);
        }
        return spec;
    }

    private GatewaySpec gateway(ConfigNode root) {
        Obj top = obj(root, "");
        if (top == null) {
            return emptySpec();
        }
        // positional: an entry that failed to bind stays as null, so later checks name the right index
        List<ListenerSpec> listeners = top.positional("listeners", true, this::listener);
        List<UpstreamSpec> upstreams = top.positional("upstreams", false, this::upstream);
        List<ServiceSpec> services = top.positional("services", false, this::service);
        List<RouteSpec> routes = top.positional("routes", false, this::route);
        AccessLogSpec accessLog = top.object("access_log", AccessLogSpec.DEFAULTS, this::accessLog);
        List<Cidr> trusted = top.list("trusted_proxies", false, this::cidr);
        Duration drain = top.duration("drain_timeout", Duration.ofSeconds(30), false);
        int workers = top.integer("worker_threads", 0, 0, 1024);
        DnsSpec dns = top.object("dns", DnsSpec.DEFAULTS, this::dns);
        List<PluginSpec> plugins = top.plugins();
        List<ConsumerSpec> consumers = top.positional("consumers", false, this::consumer);
        RedisSpec redis = top.object("redis", null, this::redis);
        AdminSpec admin = top.object("admin", null, this::admin);
        StatusSpec status = top.object("status", null, this::status);
        boolean watchConfig = top.bool("watch_config", true);
        TracingSpec tracing = top.object("tracing", null, this::tracing);
        top.finish();
        unique(top, "consumers", names(consumers, ConsumerSpec::username));

        unique(top, "listeners", names(listeners, ListenerSpec::name));
        unique(top, "listeners", names(listeners, l -> l.address().toString()));
        unique(top, "upstreams", names(upstreams, UpstreamSpec::name));
        unique(top, "services", names(services, ServiceSpec::name));
        unique(top, "routes", names(routes, RouteSpec::name));
        checkReferences(top, upstreams, services, routes);
        return new GatewaySpec(present(listeners), present(upstreams), present(services), present(routes), accessLog,
                trusted, drain, workers, dns, plugins, present(consumers), redis, admin, status,
                watchConfig, tracing);
    }

    private static <T> List<@Nullable String> names(List<@Nullable T> items, java.util.function.Function<T, String> name) {
        List<@Nullable String> out = new ArrayList<>();
        for (T item : items) {
            out.add(item == null ? null : name.apply(item));
        }
        return out;
    }

    private static <T> List<T> present(List<@Nullable T> items) {
        return items.stream().filter(java.util.Objects::nonNull).toList();
    }

    private static GatewaySpec emptySpec() {
        return new GatewaySpec(List.of(), List.of(), List.of(), List.of(), AccessLogSpec.DEFAULTS, List.of(),
                Duration.ofSeconds(30), 0, DnsSpec.DEFAULTS, List.of(), List.of(), null, null, null, true, null);
    }

    private @Nullable ListenerSpec listener(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String name = o.name("name");
        // port 0: any free port (tests)
        HostPort address = o.address("address", true, true);
        ListenerLimits limits = o.object("limits", ListenerLimits.DEFAULTS, this::limits);
        TlsSpec tls = o.object("tls", null, this::tls);
        ConfigNode redirect = o.get("http_redirect");
        boolean h2c = o.bool("h2c", true);
        o.finish();
        int redirectPort = 0;
        if (redirect instanceof ConfigNode.ScalarNode scalar && scalar.text() != null) {
            String text = scalar.text();
            if (text.equals("true")) {
                redirectPort = 443;
            } else if (!text.equals("false")) {
                try {
                    redirectPort = Integer.parseInt(text);
                } catch (NumberFormatException e) {
                    redirectPort = -1;
                }
                if (redirectPort < 1 || redirectPort > 65535) {
                    o.error("http_redirect", "'" + text + "' (expected: true, false or the https port)");
                }
            }
        } else if (redirect != null) {
            o.error("http_redirect", "is " + redirect.kind() + " (expected: true, false or the https port)");
        }
        if (tls != null && redirectPort > 0) {
            o.error("http_redirect", "is for plain listeners (this one has tls)");
        }
        return name == null || address == null ? null : new ListenerSpec(name, address, limits, tls,
                Math.max(0, redirectPort), h2c);
    }

    private @Nullable ListenerLimits limits(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        ListenerLimits d = ListenerLimits.DEFAULTS;
        long line = o.size("max_request_line", d.maxRequestLine(), 256, 1 << 20);
        long header = o.size("max_header_size", d.maxHeaderSize(), 1024, 1 << 24);
        int count = o.integer("max_headers", d.maxHeaders(), 1, 10_000);
        long body = o.size("client_max_body_size", d.clientMaxBodySize(), 0, Long.MAX_VALUE);
        Duration headerTimeout = o.duration("header_timeout", d.headerTimeout(), false);
        Duration bodyTimeout = o.duration("body_timeout", d.bodyTimeout(), false);
        Duration keepalive = o.duration("keepalive_timeout", d.keepaliveTimeout(), true);
        int streams = o.integer("max_concurrent_streams", d.maxConcurrentStreams(), 1, 1_000_000);
        o.finish();
        return new ListenerLimits((int) line, (int) header, count, body, headerTimeout, bodyTimeout, keepalive,
                streams);
    }

    private @Nullable UpstreamSpec upstream(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String name = o.name("name");
        BalancingAlgorithm algorithm = BalancingAlgorithm.ROUND_ROBIN;
        String alg = o.string("algorithm", null);
        if (alg != null) {
            BalancingAlgorithm parsed = BalancingAlgorithm.fromConfigName(alg);
            if (parsed == null) {
                o.error("algorithm", "'" + alg + "' is not an algorithm (expected: " + BalancingAlgorithm.names() + ")");
            } else {
                algorithm = parsed;
            }
        }
        List<TargetSpec> targets = o.list("targets", true, this::target);
        KeepaliveSpec keepalive = o.object("keepalive", KeepaliveSpec.DEFAULTS, this::keepalive);
        HashKeySpec hashOn = o.hashKey("hash_on", HashKeySpec.IP);
        HashKeySpec hashFallback = o.hashKey("hash_fallback", HashKeySpec.IP);
        UpstreamSpec.HealthChecksSpec health = o.object("health_checks", UpstreamSpec.HealthChecksSpec.DEFAULTS,
                this::healthChecks);
        CircuitBreakerSpec breakers = o.object("circuit_breakers", CircuitBreakerSpec.NONE, this::circuitBreakers);
        UpstreamSpec.StickySpec sticky = o.object("sticky", null, this::sticky);
        Duration slowStart = o.duration("slow_start", Duration.ZERO, true);
        UpstreamTlsSpec tls = o.object("tls", null, this::upstreamTls);
        boolean http2 = protocol(o);
        UpstreamSpec.OnAllUnhealthy onAll = UpstreamSpec.OnAllUnhealthy.IGNORE_HEALTH;
        String onAllText = o.string("on_all_unhealthy", null);
        if (onAllText != null) {
            switch (onAllText) {
                case "fail" -> onAll = UpstreamSpec.OnAllUnhealthy.FAIL;
                case "ignore-health" -> onAll = UpstreamSpec.OnAllUnhealthy.IGNORE_HEALTH;
                default -> o.error("on_all_unhealthy", "'" + onAllText + "' (expected: fail | ignore-health)");
            }
        }
        o.finish();
        if (name == null) {
            return null;
        }
        for (String key : List.of("hash_on", "hash_fallback")) {
            if (o.has(key) && algorithm != BalancingAlgorithm.CONSISTENT_HASH) {
                o.error(key, "only applies to algorithm: consistent-hash (this upstream uses "
                        + algorithm.configName() + ")");
            }
        }
        unique(o, "targets", names(targets, t -> t.address().toString()));
        return new UpstreamSpec(name, algorithm, targets, keepalive, hashOn, hashFallback, health, onAll,
                breakers, sticky, slowStart, tls, http2);
    }

    private @Nullable TargetSpec target(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        HostPort address = o.address("address", true, false);
        int weight = o.integer("weight", 1, 1, 10_000);
        boolean backup = o.bool("backup", false);
        o.finish();
        return address == null ? null : new TargetSpec(address, weight, backup);
    }

    private UpstreamSpec.@Nullable HealthChecksSpec healthChecks(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        UpstreamSpec.ActiveSpec active = o.object("active", null, this::activeCheck);
        UpstreamSpec.PassiveSpec passive = o.object("passive", UpstreamSpec.PassiveSpec.OFF, this::passive);
        UpstreamSpec.OutlierSpec outlier = o.object("outlier", null, this::outlier);
        o.finish();
        return new UpstreamSpec.HealthChecksSpec(active, passive, outlier);
    }

    private UpstreamSpec.@Nullable ActiveSpec activeCheck(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String type = o.string("type", "http");
        boolean http = !"tcp".equals(type);
        if (!"http".equals(type) && !"tcp".equals(type)) {
            o.error("type", "'" + type + "' is not a check type (expected: http | tcp)");
        }
        String probePath = o.string("path", "/");
        if (probePath == null || !probePath.startsWith("/")) {
            o.error("path", "'" + probePath + "' is not a path (expected: /health)");
            probePath = "/";
        }
        Duration interval = o.duration("interval", Duration.ofSeconds(2), false);
        Duration timeout = o.duration("timeout", Duration.ofSeconds(1), false);
        int healthy = o.integer("healthy_threshold", 2, 1, 100);
        int unhealthy = o.integer("unhealthy_threshold", 3, 1, 100);
        List<int[]> statuses = new ArrayList<>();
        List<String> raw = o.has("expected_statuses") ? o.strings("expected_statuses") : List.of("200-399");
        for (int i = 0; i < raw.size(); i++) {
            int[] range = statusRange(raw.get(i));
            if (range == null) {
                o.errorAt("expected_statuses", i, "", "'" + raw.get(i) + "' is not a status or range (expected: 200 "
                        + "or 200-399)");
            } else {
                statuses.add(range);
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        o.stringListMap("headers", true).forEach((k, v) -> headers.put(k, String.join(", ", v)));
        o.finish();
        if (!timeout.minus(interval).isNegative() && !timeout.equals(interval)) {
            o.error("timeout", Units.format(timeout) + " is longer than interval " + Units.format(interval));
        }
        if (!http && (o.has("path") || o.has("expected_statuses") || o.has("headers"))) {
            o.error("type", "tcp checks take no path, expected_statuses or headers");
        }
        return new UpstreamSpec.ActiveSpec(http, probePath, interval, timeout, healthy, unhealthy, statuses, headers);
    }

    private static int @Nullable [] statusRange(String text) {
        try {
            int dash = text.indexOf('-');
            int from = Integer.parseInt((dash < 0 ? text : text.substring(0, dash)).trim());
            int to = dash < 0 ? from : Integer.parseInt(text.substring(dash + 1).trim());
            return from >= 100 && to <= 599 && from <= to ? new int[] {from, to} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private UpstreamSpec.@Nullable PassiveSpec passive(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        int maxFails = o.integer("max_fails", 1, 0, 1000);
        Duration failTimeout = o.duration("fail_timeout", Duration.ofSeconds(10), false);
        o.finish();
        return new UpstreamSpec.PassiveSpec(maxFails, failTimeout);
    }

    private UpstreamSpec.@Nullable OutlierSpec outlier(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        int c5xx = o.integer("consecutive_5xx", 5, 0, 1000);
        int gateway = o.integer("consecutive_gateway_errors", 5, 0, 1000);
        Duration base = o.duration("base_ejection_time", Duration.ofSeconds(30), false);
        int percent = o.integer("max_ejection_percent", 10, 0, 100);
        o.finish();
        return new UpstreamSpec.OutlierSpec(c5xx, gateway, base, percent);
    }

    private @Nullable ConsumerSpec consumer(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String username = o.string("username", null);
        String customId = o.string("custom_id", null);
        List<String> groups = o.strings("groups");
        Map<String, List<Map<String, String>>> credentials = new LinkedHashMap<>();
        ConfigNode creds = o.get("credentials");
        List<PluginSpec> plugins = o.list("plugins", false, (n, p) -> plugin(n, p, true));
        o.finish();
        if (creds instanceof MapNode byPlugin) {
            for (var e : byPlugin.entries().entrySet()) {
                String credPath = join(path, "credentials." + e.getKey());
                if (!(e.getValue() instanceof ListNode list)) {
                    errors.add(new ConfigError(source, e.getValue().line(), credPath, "is " + e.getValue().kind()
                            + " (expected: a list of credentials)"));
                    continue;
                }
                List<Map<String, String>> entries = new ArrayList<>();
                for (int i = 0; i < list.items().size(); i++) {
                    ConfigNode item = list.items().get(i);
                    if (!(item instanceof MapNode fields)) {
                        errors.add(new ConfigError(source, item.line(), credPath + "[" + i + "]", "is " + item.kind()
                                + " (expected: a map of fields)"));
                        continue;
                    }
                    Map<String, String> values = new LinkedHashMap<>();
                    for (var field : fields.entries().entrySet()) {
                        String text = scalar(field.getValue(), credPath + "[" + i + "]." + field.getKey());
                        if (text != null) {
                            values.put(field.getKey(), text);
                        }
                    }
                    entries.add(values);
                }
                credentials.put(e.getKey(), entries);
            }
        } else if (creds != null) {
            o.error("credentials", "is " + creds.kind() + " (expected: a map of plugin names to credential lists)");
        }
        if (username == null || username.isBlank()) {
            o.error("username", "is required");
            return null;
        }
        return new ConsumerSpec(username, customId, groups, credentials, plugins, path);
    }

    private static final Pattern PLUGIN_NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private @Nullable PluginSpec plugin(ConfigNode node, String path) {
        return plugin(node, path, false);
    }

    /** @param underConsumer entries under a consumer may be limited to a {@code route} or a {@code service} */
    private @Nullable PluginSpec plugin(ConfigNode node, String path, boolean underConsumer) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String name = o.string("name", null);
        boolean enabled = o.bool("enabled", true);
        ConfigNode config = o.get("config");
        String route = underConsumer ? o.string("route", null) : null;
        String service = underConsumer ? o.string("service", null) : null;
        o.finish();
        if (route != null && service != null) {
            o.error("", "set route or service, not both");
        }
        if (name == null) {
            o.error("name", "is required");
            return null;
        }
        if (!PLUGIN_NAME.matcher(name).matches()) {
            o.error("name", "'" + name + "' is not a plugin name (expected: kebab-case, such as key-auth)");
            return null;
        }
        if (config != null && !(config instanceof ConfigNode.MapNode)) {
            o.error("config", "is " + config.kind() + " (expected: a map)");
            return null;
        }
        return new PluginSpec(name, enabled, config, path, node.line(), route, service);
    }

    private @Nullable RedisSpec redis(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String url = o.string("url", null);
        List<String> clusterNodes = o.strings("cluster_nodes");
        Duration timeout = o.duration("timeout", Duration.ofMillis(200), false);
        o.finish();
        if (url != null && !clusterNodes.isEmpty() || url == null && clusterNodes.isEmpty()) {
            o.error("url", "give either url (one server, or Sentinel with redis-sentinel://) or cluster_nodes "
                    + "(a Redis Cluster's seed nodes)");
            return null;
        }
        if (url != null && !(url.startsWith("redis://") || url.startsWith("rediss://")
                || url.startsWith("redis-sentinel://"))) {
            o.error("url", "'" + url + "' is not a Redis URL (expected: redis://host:port/db, rediss:// or "
                    + "redis-sentinel://host:port/db#master)");
            return null;
        }
        for (int i = 0; i < clusterNodes.size(); i++) {
            String seed = clusterNodes.get(i);
            if (!(seed.startsWith("redis://") || seed.startsWith("rediss://"))) {
                o.error("cluster_nodes[" + i + "]", "'" + seed + "' is not a Redis URL (expected: "
                        + "redis://host:port or rediss://host:port)");
                return null;
            }
        }
        return new RedisSpec(url == null ? "" : url, clusterNodes, timeout);
    }

    private @Nullable TlsSpec tls(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        List<TlsSpec.CertificateSpec> certificates = o.list("certificates", true, this::certificate);
        List<String> protocols = o.strings("protocols");
        List<String> ciphers = o.strings("ciphers");
        String clientAuth = o.string("client_auth", "none");
        String clientCa = o.string("client_ca", null);
        boolean forward = o.bool("forward_client_cert", false);
        Duration hsts = o.duration("hsts", null, false);
        boolean http2 = o.bool("http2", true);
        o.finish();
        for (int i = 0; i < protocols.size(); i++) {
            if (!List.of("TLSv1.2", "TLSv1.3").contains(protocols.get(i))) {
                o.error("protocols[" + i + "]", "'" + protocols.get(i) + "' (expected: TLSv1.2 | TLSv1.3)");
            }
        }
        TlsSpec.ClientAuth auth = switch (clientAuth == null ? "" : clientAuth) {
            case "none" -> TlsSpec.ClientAuth.NONE;
            case "optional" -> TlsSpec.ClientAuth.OPTIONAL;
            case "require" -> TlsSpec.ClientAuth.REQUIRE;
            default -> {
                o.error("client_auth", "'" + clientAuth + "' (expected: none | optional | require)");
                yield TlsSpec.ClientAuth.NONE;
            }
        };
        Path ca = clientCa == null ? null : readableFile(o, "client_ca", clientCa);
        if (auth != TlsSpec.ClientAuth.NONE && clientCa == null) {
            o.error("client_ca", "is required with client_auth: " + clientAuth + " (a PEM bundle of the CAs "
                    + "client certificates must chain to)");
        }
        if (certificates.isEmpty()) {
            o.error("certificates", "is empty (expected: at least one { cert: FILE, key: FILE })");
        }
        return new TlsSpec(present(certificates), protocols, ciphers, auth, ca, forward, hsts, http2);
    }

    private TlsSpec.@Nullable CertificateSpec certificate(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String cert = o.string("cert", null);
        String key = o.string("key", null);
        List<String> names = o.strings("names");
        o.finish();
        if (cert == null || key == null) {
            o.error(cert == null ? "cert" : "key", "is required (a PEM file)");
            return null;
        }
        Path certFile = readableFile(o, "cert", cert);
        Path keyFile = readableFile(o, "key", key);
        return certFile == null || keyFile == null ? null : new TlsSpec.CertificateSpec(certFile, keyFile, names);
    }

    /** A file named in the configuration, relative to the configuration file's directory; null (and an error) if unreadable. */
    private @Nullable Path readableFile(Obj o, String key, String name) {
        Path file = baseDir.resolve(name).normalize();
        if (!java.nio.file.Files.isReadable(file)) {
            o.error(key, "cannot read '" + file + "'");
            return null;
        }
        return file;
    }

    /** {@code protocol: http1 | http2} (h2 through ALPN with tls, h2c with prior knowledge without); true for http2. */
    private boolean protocol(Obj o) {
        String protocol = o.string("protocol", "http1");
        if (!"http1".equals(protocol) && !"http2".equals(protocol)) {
            o.error("protocol", "'" + protocol + "' (expected: http1 | http2)");
        }
        return "http2".equals(protocol);
    }

    private @Nullable UpstreamTlsSpec upstreamTls(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        boolean verify = o.bool("verify", true);
        String ca = o.string("ca", null);
        String sni = o.string("sni", null);
        String cert = o.string("cert", null);
        String key = o.string("key", null);
        o.finish();
        if ((cert == null) != (key == null)) {
            o.error(cert == null ? "cert" : "key", "is required with " + (cert == null ? "key" : "cert")
                    + " (a client certificate and its key)");
        }
        return new UpstreamTlsSpec(verify, ca == null ? null : readableFile(o, "ca", ca), sni,
                cert == null ? null : readableFile(o, "cert", cert), key == null ? null : readableFile(o, "key", key));
    }

    private @Nullable AdminSpec admin(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        HostPort address = o.address("address", false, true);
        String token = o.string("token", null);
        TlsSpec tls = o.object("tls", null, this::tls);
        o.finish();
        return new AdminSpec(address == null ? AdminSpec.DEFAULT_ADDRESS : address,
                token == null || token.isEmpty() ? null : token, tls);
    }

    private @Nullable TracingSpec tracing(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String endpoint = o.string("otlp_endpoint", null);
        String ratio = o.string("sampling_ratio", "1.0");
        String serviceName = o.string("service_name", "gatehouse");
        o.finish();
        double r;
        try {
            r = Double.parseDouble(ratio);
        } catch (NumberFormatException e) {
            r = -1;
        }
        if (r < 0 || r > 1) {
            o.error("sampling_ratio", "'" + ratio + "' (expected: a number from 0 to 1)");
            return null;
        }
        if (endpoint != null && !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
            o.error("otlp_endpoint", "'" + endpoint + "' is not an http(s) URL (expected: such as "
                    + "http://127.0.0.1:4318/v1/traces)");
            return null;
        }
        return new TracingSpec(endpoint, r, serviceName);
    }

    private @Nullable StatusSpec status(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        HostPort address = o.address("address", true, true);
        o.finish();
        return address == null ? null : new StatusSpec(address);
    }

    private @Nullable DnsSpec dns(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        List<HostPort> servers = new ArrayList<>();
        List<String> raw = o.strings("nameservers");
        for (int i = 0; i < raw.size(); i++) {
            String text = raw.get(i);
            // a bare address means port 53
            HostPort hp = !text.contains("/") && Cidr.parse(text) != null ? new HostPort(text, 53)
                    : HostPort.parse(text);
            if (hp == null || !hp.literal() || hp.port() == 0) {
                o.errorAt("nameservers", i, "", "'" + text + "' is not an IP address with an optional port");
            } else {
                servers.add(hp);
            }
        }
        Duration minTtl = o.duration("min_ttl", DnsSpec.DEFAULTS.minTtl(), false);
        Duration maxTtl = o.duration("max_ttl", DnsSpec.DEFAULTS.maxTtl(), false);
        Duration timeout = o.duration("timeout", DnsSpec.DEFAULTS.timeout(), false);
        o.finish();
        if (maxTtl.compareTo(minTtl) < 0) {
            o.error("max_ttl", Units.format(maxTtl) + " is below min_ttl " + Units.format(minTtl));
        }
        return new DnsSpec(servers, minTtl, maxTtl, timeout);
    }

    private UpstreamSpec.@Nullable StickySpec sticky(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String cookie = o.string("cookie", null);
        Duration ttl = o.duration("ttl", Duration.ofHours(1), false);
        o.finish();
        if (cookie == null || !HEADER_NAME.matcher(cookie).matches()) {
            o.error("cookie", cookie == null ? "is required" : "'" + cookie + "' is not a cookie name");
            return null;
        }
        return new UpstreamSpec.StickySpec(cookie, ttl);
    }

    private @Nullable CircuitBreakerSpec circuitBreakers(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        int connections = o.integer("max_connections", 0, 0, 1_000_000);
        int pending = o.integer("max_pending_requests", 0, 0, 1_000_000);
        int requests = o.integer("max_requests", 0, 0, 1_000_000);
        o.finish();
        return new CircuitBreakerSpec(connections, pending, requests);
    }

    private @Nullable RetrySpec retries(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        RetrySpec d = RetrySpec.NONE;
        int attempts = o.integer("attempts", 1, 0, 10);
        java.util.Set<RetrySpec.Condition> on = new java.util.HashSet<>();
        java.util.Set<Integer> statuses = new java.util.HashSet<>();
        List<String> conditions = o.has("on") ? o.strings("on") : List.of("connect-failure", "refused", "reset");
        for (int i = 0; i < conditions.size(); i++) {
            String c = conditions.get(i);
            if (c.startsWith("retriable-status:")) {
                try {
                    int status = Integer.parseInt(c.substring("retriable-status:".length()));
                    if (status < 100 || status > 599) {
                        throw new NumberFormatException();
                    }
                    statuses.add(status);
                } catch (NumberFormatException e) {
                    o.errorAt("on", i, "", "'" + c + "' is not retriable-status:NNN with a status 100..599");
                }
                continue;
            }
            RetrySpec.Condition parsed = RetrySpec.Condition.fromConfigName(c);
            if (parsed == null) {
                o.errorAt("on", i, "", "'" + c + "' is not a retry condition (expected: connect-failure | refused | "
                        + "reset | timeout | gateway-error | 5xx | retriable-status:NNN)");
            } else {
                on.add(parsed);
            }
        }
        Duration perTry = o.has("per_try_timeout") ? o.duration("per_try_timeout", Duration.ofSeconds(1), false)
                : null;
        Duration base = d.backoffBase();
        Duration max = d.backoffMax();
        ConfigNode backoff = o.get("backoff");
        if (backoff != null) {
            Obj b = obj(backoff, join(path, "backoff"));
            if (b != null) {
                base = b.duration("base", base, true);
                max = b.duration("max", max, true);
                b.finish();
                if (max.compareTo(base) < 0) {
                    b.error("max", "is below base (" + Units.format(base) + ")");
                }
            }
        }
        boolean nonIdempotent = o.bool("retry_non_idempotent", false);
        long buffer = o.size("buffer_size", d.bufferSize(), 0, 64L << 20);
        int budget = o.integer("budget_percent", d.budgetPercent(), 0, 100);
        o.finish();
        return new RetrySpec(attempts, on, statuses, perTry, base, max, nonIdempotent, buffer, budget);
    }

    private @Nullable KeepaliveSpec keepalive(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        int maxIdle = o.integer("max_idle_per_target", KeepaliveSpec.DEFAULTS.maxIdlePerTarget(), 0, 100_000);
        Duration idle = o.duration("idle_timeout", KeepaliveSpec.DEFAULTS.idleTimeout(), false);
        o.finish();
        return new KeepaliveSpec(maxIdle, idle);
    }

    private @Nullable ServiceSpec service(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String name = o.name("name");
        String upstream = o.string("upstream", null);
        String url = o.string("url", null);
        Duration connect = o.duration("connect_timeout", ServiceSpec.DEFAULT_CONNECT_TIMEOUT, false);
        Duration read = o.duration("read_timeout", ServiceSpec.DEFAULT_READ_TIMEOUT, false);
        Duration write = o.duration("write_timeout", ServiceSpec.DEFAULT_WRITE_TIMEOUT, false);
        RetrySpec retries = o.object("retries", RetrySpec.NONE, this::retries);
        List<PluginSpec> plugins = o.plugins();
        UpstreamTlsSpec tls = o.object("tls", null, this::upstreamTls);
        boolean http2 = protocol(o);
        o.finish();
        if (http2 && url == null) {
            o.error("protocol", "applies to a url: service (an upstream has its own protocol)");
        }
        if (tls != null && (url == null || !url.startsWith("https://"))) {
            o.error("tls", "applies to an https:// url (an upstream has its own tls: block)");
        }
        if ((upstream == null) == (url == null)) {
            o.error("", "exactly one of 'upstream' and 'url' must be set");
            return null;
        }
        ServiceSpec.ServiceUrl parsedUrl = null;
        String basePath = "";
        if (url != null) {
            var parsed = parseServiceUrl(url);
            if (parsed == null) {
                o.error("url", "'" + url + "' is not an http URL (expected: http[s]://host[:port][/path])");
                return null;
            }
            parsedUrl = parsed.url;
            basePath = parsed.path;
        }
        if (parsedUrl != null && parsedUrl.scheme().equals("https") && tls == null) {
            tls = UpstreamTlsSpec.DEFAULTS;
        }
        return name == null ? null : new ServiceSpec(name, upstream, parsedUrl, basePath, connect, read, write,
                retries, plugins, tls, http2);
    }

    private record ParsedUrl(ServiceSpec.ServiceUrl url, String path) {
    }

    private static @Nullable ParsedUrl parseServiceUrl(String url) {
        String scheme;
        String rest;
        if (url.startsWith("http://")) {
            scheme = "http";
            rest = url.substring(7);
        } else if (url.startsWith("https://")) {
            scheme = "https";
            rest = url.substring(8);
        } else {
            return null;
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        if (path.indexOf('?') >= 0 || path.indexOf('#') >= 0 || authority.indexOf('@') >= 0) {
            return null;
        }
        boolean hasPort = authority.startsWith("[") ? authority.contains("]:") : authority.contains(":");
        HostPort hp = HostPort.parse(hasPort ? authority : authority + (scheme.equals("https") ? ":443" : ":80"));
        if (hp == null || hp.port() == 0) {
            return null;
        }
        if (path.equals("/")) {
            path = "";
        }
        return new ParsedUrl(new ServiceSpec.ServiceUrl(scheme, hp), path);
    }

    private @Nullable RouteSpec route(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String name = o.name("name");
        String service = o.string("service", null);
        if (service == null) {
            o.error("service", "is required");
        }
        List<String> hosts = o.strings("hosts");
        for (int i = 0; i < hosts.size(); i++) {
            String h = hosts.get(i);
            String host = h.toLowerCase(Locale.ROOT);
            boolean valid = !host.isEmpty() && host.indexOf('*') == host.lastIndexOf('*')
                    && (host.indexOf('*') < 0 || host.startsWith("*.") || host.endsWith(".*"))
                    && host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-'
                            || c == '*' || c == '_' || c == ':' || c == '[' || c == ']');
            if (!valid) {
                o.errorAt("hosts", i, "", "'" + h + "' is not a host (expected: api.example.com, *.example.com "
                        + "or api.example.*)");
            }
        }
        List<String> paths = o.strings("paths");
        for (int i = 0; i < paths.size(); i++) {
            String reason = checkPath(paths.get(i));
            if (reason != null) {
                o.errorAt("paths", i, "", reason);
            }
        }
        List<String> methods = new ArrayList<>();
        List<String> rawMethods = o.strings("methods");
        for (int i = 0; i < rawMethods.size(); i++) {
            String m = rawMethods.get(i).toUpperCase(Locale.ROOT);
            if (!HTTP_METHODS.contains(m)) {
                o.errorAt("methods", i, "", "'" + rawMethods.get(i) + "' is not an HTTP method");
            }
            methods.add(m);
        }
        Map<String, List<String>> headers = o.stringListMap("headers", true);
        Map<String, List<String>> query = o.stringListMap("query", false);
        boolean strip = o.bool("strip_path", true);
        boolean preserve = o.bool("preserve_host", false);
        int priority = o.integer("priority", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
        Long maxBody = o.has("client_max_body_size") ? o.size("client_max_body_size", 0, 0, Long.MAX_VALUE) : null;
        RetrySpec retries = o.object("retries", null, this::retries);
        List<PluginSpec> plugins = o.plugins();
        o.finish();
        if (hosts.isEmpty() && paths.isEmpty() && methods.isEmpty() && headers.isEmpty() && query.isEmpty()) {
            o.error("", "a route needs at least one of hosts, paths, methods, headers or query");
        }
        if (name == null || service == null) {
            return null;
        }
        return new RouteSpec(name, service, hosts, paths, methods, headers, query, strip, preserve, priority, maxBody,
                retries, plugins);
    }

    private static @Nullable String checkPath(String p) {
        if (p.startsWith("~ ")) {
            try {
                Pattern.compile(p.substring(2).trim());
                return null;
            } catch (PatternSyntaxException e) {
                return "'" + p.substring(2).trim() + "' is not a regular expression: " + e.getDescription();
            }
        }
        String literal = p.startsWith("= ") ? p.substring(2).trim() : p;
        if (!literal.startsWith("/")) {
            return "'" + p + "' is not a path (expected: /prefix, = /exact or ~ regex)";
        }
        return null;
    }

    /** {@code $name} or {@code ${name}} in an access-log template. */
    private static final Pattern LOG_VARIABLE = Pattern.compile("\\$(?:\\{([a-z0-9_]+)\\}|([a-z0-9_]+))");

    private @Nullable AccessLogSpec accessLog(ConfigNode node, String path) {
        Obj o = obj(node, path);
        if (o == null) {
            return null;
        }
        String target = o.string("target", AccessLogSpec.DEFAULTS.target());
        String format = o.string("format", "combined");
        o.finish();
        String template = null;
        AccessLogSpec.Format f = switch (format == null ? "" : format) {
            case "combined" -> AccessLogSpec.Format.COMBINED;
            case "json" -> AccessLogSpec.Format.JSON;
            default -> {
                if (format != null && format.contains("$")) {
                    template = format;
                    java.util.regex.Matcher m = LOG_VARIABLE.matcher(format);
                    while (m.find()) {
                        String name = m.group(1) != null ? m.group(1) : m.group(2);
                        if (!AccessLogSpec.VARIABLES.contains(name)) {
                            o.error("format", "unknown variable $" + name + " (expected one of: $"
                                    + String.join(", $", AccessLogSpec.VARIABLES) + ")");
                        }
                    }
                    yield AccessLogSpec.Format.TEMPLATE;
                }
                o.error("format", "'" + format + "' is not a log format (expected: combined | json | a template "
                        + "such as '$remote_addr $status $request_time')");
                yield AccessLogSpec.Format.COMBINED;
            }
        };
        if (target == null || target.isBlank()) {
            o.error("target", "is empty (expected: stdout | off | a file path)");
            target = "stdout";
        }
        return new AccessLogSpec(target, f, template);
    }

    private @Nullable Cidr cidr(ConfigNode node, String path) {
        String text = scalar(node, path);
        if (text == null) {
            return null;
        }
        Cidr cidr = Cidr.parse(text);
        if (cidr == null) {
            errors.add(new ConfigError(source, node.line(), path, "'" + text
                    + "' is not an address or CIDR (expected: 10.0.0.0/8, 127.0.0.1 or ::1/128)"));
        }
        return cidr;
    }

    private void checkReferences(Obj top, List<UpstreamSpec> upstreams, List<ServiceSpec> services,
            List<RouteSpec> routes) {
        Set<String> upstreamNames = new HashSet<>();
        present(upstreams).forEach(u -> upstreamNames.add(u.name()));
        Set<String> serviceNames = new HashSet<>();
        present(services).forEach(s -> serviceNames.add(s.name()));
        for (int i = 0; i < services.size(); i++) {
            if (services.get(i) == null) {
                continue;
            }
            String u = services.get(i).upstream();
            if (u != null && !upstreamNames.contains(u)) {
                top.errorAt("services", i, "upstream", "upstream '" + u + "' is not defined (defined: "
                        + sortedOrNone(upstreamNames) + ")");
            }
        }
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i) == null) {
                continue;
            }
            String s = routes.get(i).service();
            if (!serviceNames.contains(s)) {
                top.errorAt("routes", i, "service", "service '" + s + "' is not defined (defined: "
                        + sortedOrNone(serviceNames) + ")");
            }
        }
    }

    private static String sortedOrNone(Set<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList());
    }

    private void unique(Obj parent, String listKey, List<@Nullable String> names) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i) == null) {
                continue;
            }
            Integer first = seen.putIfAbsent(names.get(i), i);
            if (first != null) {
                parent.errorAt(listKey, i, "", "'" + names.get(i) + "' is already used by " + listKey + "[" + first
                        + "]");
            }
        }
    }

    private @Nullable Obj obj(ConfigNode node, String path) {
        if (node instanceof MapNode map) {
            return new Obj(map, path);
        }
        errors.add(new ConfigError(source, node.line(), path, "is " + node.kind() + " (expected: a map)"));
        return null;
    }

    private @Nullable String scalar(ConfigNode node, String path) {
        if (node instanceof ScalarNode s && s.text() != null) {
            return s.text();
        }
        errors.add(new ConfigError(source, node.line(), path, "is " + node.kind() + " (expected: a string)"));
        return null;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : key.isEmpty() ? path : path + "." + key;
    }

    @FunctionalInterface
    private interface Reader<T> {
        @Nullable T read(ConfigNode node, String path);
    }

    /** Reads one map, remembering which keys were consumed so that the rest are reported as unknown. */
    private final class Obj {
        private final MapNode map;
        private final String path;
        private final Set<String> known = new HashSet<>();

        Obj(MapNode map, String path) {
            this.map = map;
            this.path = path;
        }

        boolean has(String key) {
            known.add(key);
            ConfigNode n = map.entries().get(key);
            return n != null && !(n instanceof ScalarNode s && s.text() == null);
        }

        @Nullable ConfigNode get(String key) {
            known.add(key);
            ConfigNode n = map.entries().get(key);
            return n instanceof ScalarNode s && s.text() == null ? null : n;
        }

        int lineOf(String key) {
            return map.keyLines().getOrDefault(key, map.line());
        }

        void error(String key, String reason) {
            errors.add(new ConfigError(source, key.isEmpty() ? map.line() : lineOf(key), join(path, key), reason));
        }

        void errorAt(String listKey, int index, String key, String reason) {
            int line = map.line();
            if (map.entries().get(listKey) instanceof ListNode list && index < list.items().size()) {
                ConfigNode item = list.items().get(index);
                line = item.line();
                if (!key.isEmpty() && item instanceof MapNode m) {
                    line = m.keyLines().getOrDefault(key, line);
                }
            }
            errors.add(new ConfigError(source, line, join(join(path, listKey + "[" + index + "]"), key), reason));
        }

        @Nullable String string(String key, @Nullable String dflt) {
            ConfigNode n = get(key);
            if (n == null) {
                return dflt;
            }
            if (n instanceof ScalarNode s) {
                return s.text();
            }
            error(key, "is " + n.kind() + " (expected: a string)");
            return dflt;
        }

        @Nullable String name(String key) {
            String v = string(key, null);
            if (v == null) {
                error(key, "is required");
                return null;
            }
            if (!NAME.matcher(v).matches()) {
                error(key, "'" + v + "' is not a name (expected: letters, digits, '.', '_', '~' and '-')");
                return null;
            }
            return v;
        }

        HashKeySpec hashKey(String key, HashKeySpec dflt) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            HashKeySpec parsed = HashKeySpec.parse(v);
            if (parsed == null) {
                error(key, "'" + v + "' is not a hash key (expected: ip | path | header:NAME | cookie:NAME | "
                        + "query:NAME)");
                return dflt;
            }
            return parsed;
        }

        @Nullable HostPort address(String key, boolean required, boolean portZeroAllowed) {
            String v = string(key, null);
            if (v == null) {
                if (required) {
                    error(key, "is required");
                }
                return null;
            }
            HostPort hp = HostPort.parse(v);
            if (hp == null || (hp.port() == 0 && !portZeroAllowed)) {
                error(key, "'" + v + "' is not an address (expected: host:port, such as 127.0.0.1:8000)");
                return null;
            }
            return hp;
        }

        int integer(String key, int dflt, int min, int max) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n < min || n > max) {
                    error(key, n + " is out of range (expected: " + min + ".." + max + ")");
                    return dflt;
                }
                return n;
            } catch (NumberFormatException e) {
                error(key, "'" + v + "' is not an integer");
                return dflt;
            }
        }

        boolean bool(String key, boolean dflt) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            return switch (v) {
                case "true" -> true;
                case "false" -> false;
                default -> {
                    error(key, "'" + v + "' is not a boolean (expected: true | false)");
                    yield dflt;
                }
            };
        }

        Duration duration(String key, Duration dflt, boolean zeroAllowed) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            Duration d = Units.parseDuration(v);
            if (d == null) {
                error(key, "'" + v + "' is not a duration (expected: a number with ms, s, m, h or d, such as 250ms)");
                return dflt;
            }
            if (d.isNegative() || (!zeroAllowed && d.isZero())) {
                error(key, "'" + v + "' (expected: " + (zeroAllowed ? ">= 0" : "> 0") + ")");
                return dflt;
            }
            return d;
        }

        long size(String key, long dflt, long min, long max) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            long n = Units.parseSize(v);
            if (n < 0) {
                error(key, "'" + v + "' is not a size (expected: bytes, or a number with k, m or g, such as 16k)");
                return dflt;
            }
            if (n < min || n > max) {
                error(key, "'" + v + "' is out of range (expected: " + min + ".." + max + " bytes)");
                return dflt;
            }
            return n;
        }

        <T> List<T> list(String key, boolean required, Reader<T> reader) {
            return present(positional(key, required, reader));
        }

        <T> List<@Nullable T> positional(String key, boolean required, Reader<T> reader) {
            ConfigNode n = get(key);
            if (n == null) {
                if (required) {
                    error(key, "is required (expected: a list with at least one entry)");
                }
                return List.of();
            }
            if (!(n instanceof ListNode list)) {
                error(key, "is " + n.kind() + " (expected: a list)");
                return List.of();
            }
            if (required && list.items().isEmpty()) {
                error(key, "is empty (expected: at least one entry)");
            }
            List<@Nullable T> out = new ArrayList<>();
            for (int i = 0; i < list.items().size(); i++) {
                out.add(reader.read(list.items().get(i), join(path, key) + "[" + i + "]"));
            }
            return out;
        }

        List<PluginSpec> plugins() {
            List<PluginSpec> out = list("plugins", false, SpecBinder.this::plugin);
            unique(this, "plugins", names(out, PluginSpec::name));
            return out;
        }

        List<String> strings(String key) {
            return list(key, false, SpecBinder.this::scalar);
        }

        <T> @Nullable T object(String key, @Nullable T dflt, Reader<T> reader) {
            ConfigNode n = get(key);
            if (n == null) {
                return dflt;
            }
            T v = reader.read(n, join(path, key));
            return v == null ? dflt : v;
        }

        Map<String, List<String>> stringListMap(String key, boolean headerNames) {
            ConfigNode n = get(key);
            if (n == null) {
                return Map.of();
            }
            if (!(n instanceof MapNode m)) {
                error(key, "is " + n.kind() + " (expected: a map of names to lists of values)");
                return Map.of();
            }
            Map<String, List<String>> out = new LinkedHashMap<>();
            String sub = join(path, key);
            for (var e : m.entries().entrySet()) {
                String name = headerNames ? e.getKey().toLowerCase(Locale.ROOT) : e.getKey();
                int line = m.keyLines().getOrDefault(e.getKey(), m.line());
                if (headerNames && !HEADER_NAME.matcher(name).matches()) {
                    errors.add(new ConfigError(source, line, join(sub, e.getKey()), "is not a header name"));
                }
                ConfigNode v = e.getValue();
                List<String> values = new ArrayList<>();
                if (v instanceof ListNode list) {
                    for (int i = 0; i < list.items().size(); i++) {
                        String s = scalar(list.items().get(i), join(sub, e.getKey()) + "[" + i + "]");
                        if (s != null) {
                            values.add(s);
                        }
                    }
                } else if (v instanceof ScalarNode s && s.text() != null) {
                    values.add(s.text());
                } else if (!(v instanceof ScalarNode)) {
                    errors.add(new ConfigError(source, v.line(), join(sub, e.getKey()),
                            "is " + v.kind() + " (expected: a value or a list of values)"));
                }
                if (headerNames && values.isEmpty()) {
                    errors.add(new ConfigError(source, line, join(sub, e.getKey()), "needs at least one value"));
                }
                out.put(name, List.copyOf(values));
            }
            return out;
        }

        void finish() {
            for (String key : map.entries().keySet()) {
                if (!known.contains(key)) {
                    List<String> expected = known.stream().sorted().toList();
                    errors.add(new ConfigError(source, lineOf(key), join(path, key),
                            "unknown key (expected one of: " + String.join(", ", expected) + ")"));
                }
            }
        }
    }
}
