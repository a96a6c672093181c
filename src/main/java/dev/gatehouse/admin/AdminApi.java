package dev.gatehouse.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.admin.ConfigResources.Kind;
import dev.gatehouse.admin.ConfigResources.Refusal;
import dev.gatehouse.config.model.ConfigError;
import dev.gatehouse.config.model.ConfigException;
import dev.gatehouse.config.source.ConfigDocuments;
import dev.gatehouse.config.source.YamlConfigLoader;
import dev.gatehouse.runtime.Snapshot;
import dev.gatehouse.upstream.UpstreamGroup;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The Admin API's endpoints, as plain request-to-response functions run on the admin thread. Every write builds a
 * new document from the running one, and {@link GatewayControl#apply} validates, compiles, swaps and persists it,
 * or answers 400 with every error and changes nothing. On the read-only status listener only the health, status and
 * metrics endpoints exist.
 */
final class AdminApi {

    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;

    private final GatewayControl control;
    private final boolean readOnly;

    AdminApi(GatewayControl control, boolean readOnly) {
        this.control = control;
        this.readOnly = readOnly;
    }

    AdminResponse handle(AdminRequest r) {
        try {
            AdminResponse open = openEndpoint(r);
            if (open != null) {
                return open;
            }
            if (readOnly) {
                return AdminResponse.message(404, "Not found");
            }
            if (!authorized(r)) {
                return AdminResponse.message(401, "Unauthorized: send Authorization: Bearer <admin token>");
            }
            return route(r);
        } catch (Refusal e) {
            return AdminResponse.message(e.status, e.getMessage());
        } catch (ConfigException e) {
            List<Map<String, String>> errors = new ArrayList<>();
            for (ConfigError error : e.errors()) {
                errors.add(Map.of("path", error.path(), "reason", error.reason(), "text", error.toString()));
            }
            return AdminResponse.message(400, "invalid configuration: nothing was changed", Map.of("errors", errors));
        }
    }

    /** The endpoints of both listeners that need no token: health for orchestrators, status and metrics. */
    private @Nullable AdminResponse openEndpoint(AdminRequest r) {
        List<String> s = r.segments();
        if (!r.method().equals("GET")) {
            return null;
        }
        if (s.equals(List.of("health", "live"))) {
            return AdminResponse.json(200, json().put("status", "live"));
        }
        if (s.equals(List.of("health", "ready"))) {
            boolean ready = control.ready();
            return AdminResponse.json(ready ? 200 : 503, json().put("status", ready ? "ready" : "not ready"));
        }
        if (readOnly && s.equals(List.of("status"))) {
            return status();
        }
        if (readOnly && s.equals(List.of("metrics"))) {
            return metrics();
        }
        return null;
    }

    /**
     * {@code GET /cache}: every response cache with its counts; {@code POST /cache/purge} with a JSON body of one of
     * {@code key}, {@code url} or {@code prefix} (optionally {@code cache}, a name from the list, to purge only it).
     */
    private AdminResponse cache(AdminRequest r, List<String> rest) {
        List<GatewayControl.CacheRow> caches = control.caches();
        if (rest.isEmpty() && r.method().equals("GET")) {
            ObjectNode list = json();
            var data = list.putArray("data");
            caches.forEach(c -> data.addObject().put("name", c.name()).put("hits", c.hits())
                    .put("misses", c.misses()).put("stored_bytes", c.storedBytes()));
            return AdminResponse.json(200, list);
        }
        if (!rest.equals(List.of("purge")) || !r.method().equals("POST")) {
            return AdminResponse.message(404, "Not found (GET /cache, POST /cache/purge)");
        }
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = ConfigDocuments.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            return AdminResponse.message(400, "the body is not JSON");
        }
        if (body == null || !body.isObject()) {
            return AdminResponse.message(400, "send a JSON object with one of key, url or prefix");
        }
        String key = text(body, "key");
        String url = text(body, "url");
        String prefix = text(body, "prefix");
        int given = (key != null ? 1 : 0) + (url != null ? 1 : 0) + (prefix != null ? 1 : 0);
        if (given != 1) {
            return AdminResponse.message(400, "give exactly one of key, url or prefix");
        }
        String only = text(body, "cache");
        if (only != null && caches.stream().noneMatch(c -> c.name().equals(only))) {
            return AdminResponse.message(404, "no cache named '" + only + "' (GET /cache lists them)");
        }
        try {
            int purged = control.purgeCaches(only, key, url, prefix).toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            return AdminResponse.json(200, json().put("purged", purged));
        } catch (Exception failed) {
            return AdminResponse.message(503, "the caches could not be purged: " + failed);
        }
    }

    private static @Nullable String text(com.fasterxml.jackson.databind.JsonNode body, String field) {
        com.fasterxml.jackson.databind.JsonNode v = body.get(field);
        return v == null || !v.isTextual() || v.asText().isEmpty() ? null : v.asText();
    }

    private boolean authorized(AdminRequest r) {
        Snapshot snapshot = control.snapshot();
        String token = snapshot.spec().admin() == null ? null : snapshot.spec().admin().token();
        if (token == null) {
            return true;
        }
        String given = r.authorization();
        String expected = "Bearer " + token;
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    private AdminResponse route(AdminRequest r) throws ConfigException {
        List<String> s = r.segments();
        String m = r.method();
        if (s.isEmpty()) {
            return AdminResponse.json(200, json().put("tagline", "Welcome to gatehouse").put("version",
                    control.version()));
        }
        switch (s.get(0)) {
            case "status" -> {
                return only(m, "GET", this::status);
            }
            case "metrics" -> {
                return only(m, "GET", this::metrics);
            }
            case "config" -> {
                return config(r);
            }
            case "reload" -> {
                return only(m, "POST", () -> control.reload()
                        ? AdminResponse.json(200, json().put("revision", control.snapshot().revision()))
                        : AdminResponse.message(400, "the configuration file was rejected (see the log); the "
                                + "running configuration keeps serving"));
            }
            case "plugins" -> {
                return plugins(r, s.subList(1, s.size()), null, null);
            }
            case "certificates" -> {
                return certificates(r, s.subList(1, s.size()));
            }
            case "cache" -> {
                return cache(r, s.subList(1, s.size()));
            }
            default -> {
                Kind kind = Kind.of(s.get(0));
                if (kind != null) {
                    return entities(r, kind, s.subList(1, s.size()));
                }
                return AdminResponse.message(404, "Not found");
            }
        }
    }

    private static AdminResponse only(String method, String allowed, java.util.function.Supplier<AdminResponse> f) {
        return method.equals(allowed) ? f.get() : AdminResponse.message(405, "Method not allowed");
    }

    private AdminResponse status() {
        Snapshot snapshot = control.snapshot();
        ObjectNode out = json()
                .put("version", control.version())
                .put("uptime_seconds", (System.currentTimeMillis() - control.startedAtMillis()) / 1000)
                .put("connections", control.connections())
                .put("config_revision", snapshot.revision())
                .put("routes", snapshot.spec().routes().size())
                .put("services", snapshot.spec().services().size())
                .put("upstreams", snapshot.spec().upstreams().size());
        return AdminResponse.json(200, out);
    }

    private AdminResponse metrics() {
        return AdminResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", control.metrics().scrape());
    }

    private AdminResponse config(AdminRequest r) throws ConfigException {
        if (r.method().equals("GET")) {
            JsonNode doc = control.document();
            boolean asJson = "json".equals(r.param("format"));
            return asJson ? AdminResponse.json(200, doc)
                    : AdminResponse.text(200, "application/yaml", ConfigDocuments.toYaml(doc));
        }
        if (r.method().equals("POST")) {
            // YAML or JSON, validated whole: all or nothing
            String text = new String(r.body(), StandardCharsets.UTF_8);
            JsonNode doc = ConfigDocuments.toJson(new YamlConfigLoader().tree("admin", text));
            control.apply(doc, "admin");
            return AdminResponse.json(201, json().put("revision", control.snapshot().revision()));
        }
        return AdminResponse.message(405, "Method not allowed");
    }

    /** Applies a changed copy of the document and answers with {@code result} once it is running. */
    private AdminResponse write(Function<ConfigResources, AdminResponse> change) throws ConfigException {
        ConfigResources resources = new ConfigResources((ObjectNode) control.document().deepCopy());
        AdminResponse response = change.apply(resources);
        control.apply(resources.document(), "admin");
        return response;
    }

    private ConfigResources read() {
        return new ConfigResources((ObjectNode) control.document().deepCopy());
    }

    private AdminResponse entities(AdminRequest r, Kind kind, List<String> rest) throws ConfigException {
        String m = r.method();
        if (rest.isEmpty()) {
            return switch (m) {
                case "GET" -> page(r, read().list(kind, null));
                case "POST" -> {
                    ObjectNode body = ConfigResources.body(r.body());
                    yield write(res -> AdminResponse.json(201, ConfigResources.view(kind, res.create(kind, body))));
                }
                default -> AdminResponse.message(405, "Method not allowed");
            };
        }
        String name = rest.get(0);
        if (rest.size() == 1) {
            return switch (m) {
                case "GET" -> AdminResponse.json(200, ConfigResources.view(kind, read().require(kind, name)));
                case "PUT" -> {
                    ObjectNode body = ConfigResources.body(r.body());
                    boolean[] created = new boolean[1];
                    AdminResponse out = write(res -> {
                        created[0] = res.upsert(kind, name, body);
                        return AdminResponse.json(200, ConfigResources.view(kind, res.require(kind,
                                body.path(kind.key).asText())));
                    });
                    yield created[0] ? new AdminResponse(201, out.contentType(), out.body()) : out;
                }
                case "PATCH" -> {
                    ObjectNode body = ConfigResources.body(r.body());
                    yield write(res -> AdminResponse.json(200, ConfigResources.view(kind, res.patch(kind, name,
                            body))));
                }
                case "DELETE" -> write(res -> {
                    res.delete(kind, name);
                    return AdminResponse.noContent();
                });
                default -> AdminResponse.message(405, "Method not allowed");
            };
        }
        String sub = rest.get(1);
        String owner = read().require(kind, name).path(kind.key).asText();
        if (sub.equals("plugins") && kind != Kind.UPSTREAMS) {
            return plugins(r, rest.subList(2, rest.size()), kind, owner);
        }
        if (kind == Kind.SERVICES && sub.equals("routes") && rest.size() == 2) {
            return switch (m) {
                case "GET" -> page(r, read().list(Kind.ROUTES, owner));
                case "POST" -> {
                    ObjectNode body = ConfigResources.body(r.body());
                    body.put("service", owner);
                    yield write(res -> AdminResponse.json(201, ConfigResources.view(Kind.ROUTES,
                            res.create(Kind.ROUTES, body))));
                }
                default -> AdminResponse.message(405, "Method not allowed");
            };
        }
        if (kind == Kind.UPSTREAMS && sub.equals("health") && rest.size() == 2 && m.equals("GET")) {
            return health(owner);
        }
        if (kind == Kind.UPSTREAMS && sub.equals("targets")) {
            return targets(r, owner, rest.subList(2, rest.size()));
        }
        if (kind == Kind.CONSUMERS && rest.size() <= 3) {
            return credentials(r, owner, sub, rest.size() == 3 ? rest.get(2) : null);
        }
        return AdminResponse.message(404, "Not found");
    }

    private AdminResponse certificates(AdminRequest r, List<String> rest) throws ConfigException {
        String m = r.method();
        if (rest.isEmpty() && m.equals("GET")) {
            return page(r, read().certificates());
        }
        if (rest.isEmpty() && m.equals("POST")) {
            ObjectNode body = ConfigResources.body(r.body());
            return write(res -> {
                res.addCertificate(body);
                List<ObjectNode> all = res.certificates();
                return AdminResponse.json(201, all.stream().filter(c -> c.path("cert").asText()
                        .equals(body.path("cert").asText())).findFirst().orElse(all.get(all.size() - 1)));
            });
        }
        if (rest.size() == 1 && m.equals("GET")) {
            for (ObjectNode c : read().certificates()) {
                if (c.path("id").asText().equals(rest.get(0))) {
                    return AdminResponse.json(200, c);
                }
            }
            return AdminResponse.message(404, "no certificate '" + rest.get(0) + "'");
        }
        if (rest.size() == 1 && m.equals("DELETE")) {
            return write(res -> {
                res.deleteCertificate(rest.get(0));
                return AdminResponse.noContent();
            });
        }
        return AdminResponse.message(405, "Method not allowed");
    }

    private AdminResponse health(String upstream) {
        UpstreamGroup group = control.snapshot().upstreams().get(upstream);
        ArrayNode data = ConfigDocuments.JSON.createArrayNode();
        if (group != null) {
            for (UpstreamGroup.TargetHealth h : group.health()) {
                data.add(ConfigDocuments.JSON.valueToTree(h));
            }
        }
        return AdminResponse.json(200, json().put("upstream", upstream).set("data", data));
    }

    private AdminResponse targets(AdminRequest r, String upstream, List<String> rest) throws ConfigException {
        String m = r.method();
        if (rest.isEmpty() && m.equals("GET")) {
            List<ObjectNode> views = new ArrayList<>();
            read().targets(upstream).forEach(t -> views.add(ConfigResources.targetView(upstream, t)));
            return page(r, views);
        }
        if (rest.isEmpty() && m.equals("POST")) {
            ObjectNode body = ConfigResources.body(r.body());
            return write(res -> AdminResponse.json(201, ConfigResources.targetView(upstream,
                    res.addTarget(upstream, body))));
        }
        if (rest.size() == 1 && m.equals("DELETE")) {
            return write(res -> {
                res.deleteTarget(upstream, rest.get(0));
                return AdminResponse.noContent();
            });
        }
        return AdminResponse.message(405, "Method not allowed");
    }

    private AdminResponse credentials(AdminRequest r, String consumer, String plugin, @Nullable String id)
            throws ConfigException {
        String m = r.method();
        if (id == null && m.equals("GET")) {
            return page(r, read().listCredentials(consumer, plugin));
        }
        if (id == null && m.equals("POST")) {
            ObjectNode body = ConfigResources.body(r.body());
            return write(res -> {
                res.addCredential(consumer, plugin, body);
                List<ObjectNode> all = res.listCredentials(consumer, plugin);
                return AdminResponse.json(201, all.get(all.size() - 1));
            });
        }
        if (id != null && m.equals("GET")) {
            for (ObjectNode c : read().listCredentials(consumer, plugin)) {
                if (c.path("id").asText().equals(id)) {
                    return AdminResponse.json(200, c);
                }
            }
            return AdminResponse.message(404, "no " + plugin + " credential '" + id + "'");
        }
        if (id != null && m.equals("DELETE")) {
            return write(res -> {
                res.deleteCredential(consumer, plugin, id);
                return AdminResponse.noContent();
            });
        }
        return AdminResponse.message(405, "Method not allowed");
    }

    private AdminResponse plugins(AdminRequest r, List<String> rest, @Nullable Kind kind, @Nullable String owner)
            throws ConfigException {
        String m = r.method();
        if (rest.isEmpty()) {
            if (m.equals("GET")) {
                List<ObjectNode> views = new ArrayList<>();
                for (ConfigResources.PluginRef ref : read().plugins()) {
                    if (kind == null || kind == ref.ownerKind() && owner.equals(ref.owner())) {
                        views.add(ConfigResources.pluginView(ref));
                    }
                }
                return page(r, views);
            }
            if (m.equals("POST")) {
                ObjectNode body = ConfigResources.body(r.body());
                return write(res -> AdminResponse.json(201, ConfigResources.pluginView(res.addPlugin(body, kind,
                        owner))));
            }
            return AdminResponse.message(405, "Method not allowed");
        }
        String id = rest.get(0);
        return switch (m) {
            case "GET" -> AdminResponse.json(200, ConfigResources.pluginView(read().plugin(id)));
            case "PATCH" -> {
                ObjectNode body = ConfigResources.body(r.body());
                yield write(res -> {
                    res.patchPlugin(id, body);
                    return AdminResponse.json(200, ConfigResources.pluginView(res.plugin(id)));
                });
            }
            case "PUT" -> {
                ObjectNode body = ConfigResources.body(r.body());
                yield write(res -> {
                    ObjectNode entry = res.plugin(id).entry();
                    entry.set("enabled", body.has("enabled") ? body.get("enabled")
                            : ConfigDocuments.JSON.getNodeFactory().booleanNode(true));
                    entry.set("config", body.has("config") ? body.get("config")
                            : ConfigDocuments.JSON.createObjectNode());
                    return AdminResponse.json(200, ConfigResources.pluginView(res.plugin(id)));
                });
            }
            case "DELETE" -> write(res -> {
                res.deletePlugin(id);
                return AdminResponse.noContent();
            });
            default -> AdminResponse.message(405, "Method not allowed");
        };
    }

    /** Kong's pagination: {@code size} (default 100, at most 1000) and {@code offset}; {@code next} links on. */
    private static AdminResponse page(AdminRequest r, List<ObjectNode> all) {
        int size = parse(r.param("size"), DEFAULT_PAGE);
        if (size < 1 || size > MAX_PAGE) {
            throw new Refusal(400, "size: " + size + " (expected: 1 to " + MAX_PAGE + ")");
        }
        int offset = parse(r.param("offset"), 0);
        if (offset < 0) {
            throw new Refusal(400, "offset: " + offset + " (expected: >= 0)");
        }
        ArrayNode data = ConfigDocuments.JSON.createArrayNode();
        all.stream().skip(offset).limit(size).forEach(data::add);
        ObjectNode out = json();
        out.set("data", data);
        int next = offset + size;
        if (next < all.size()) {
            out.put("next", r.path() + "?offset=" + next + "&size=" + size);
            out.put("offset", String.valueOf(next));
        } else {
            out.putNull("next");
        }
        return AdminResponse.json(200, out);
    }

    private static int parse(@Nullable String value, int dflt) {
        if (value == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new Refusal(400, "'" + value + "' is not a number");
        }
    }

    private static ObjectNode json() {
        return ConfigDocuments.JSON.createObjectNode();
    }
}
