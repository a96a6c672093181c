package dev.gatehouse.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.config.source.ConfigDocuments;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The configuration document seen as Kong-shaped resources: services, routes, upstreams and their targets,
 * consumers and their credentials, and plugins at every scope. Reads look into the document; writes change a copy
 * that the caller then validates and applies as a whole. Ids are derived from names (a UUID of kind and name), so
 * every node and every restart gives the same id; entities are found by id or by name.
 */
final class ConfigResources {

    /** A top-level collection of named entities. */
    enum Kind {
        SERVICES("services", "name", "service"),
        ROUTES("routes", "name", "route"),
        UPSTREAMS("upstreams", "name", "upstream"),
        CONSUMERS("consumers", "username", "consumer");

        final String field;
        final String key;
        final String singular;

        Kind(String field, String key, String singular) {
            this.field = field;
            this.key = key;
            this.singular = singular;
        }

        static @Nullable Kind of(String segment) {
            for (Kind k : values()) {
                if (k.field.equals(segment)) {
                    return k;
                }
            }
            return null;
        }

        String id(String name) {
            return uuid(singular + "/" + name);
        }
    }

    /** A request that cannot be carried out, with the status to answer. */
    static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** Where a plugin entry sits: its list, its index and its scope. */
    record PluginRef(ArrayNode list, int index, String scope, @Nullable Kind ownerKind, @Nullable String owner) {
        ObjectNode entry() {
            return (ObjectNode) list.get(index);
        }

        String id() {
            ObjectNode e = entry();
            return uuid("plugin/" + scope + "/" + e.path("name").asText() + "/" + e.path("route").asText("")
                    + "/" + e.path("service").asText(""));
        }
    }

    private final ObjectNode doc;

    ConfigResources(ObjectNode doc) {
        this.doc = doc;
    }

    ObjectNode document() {
        return doc;
    }

    static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static ObjectNode body(byte[] bytes) {
        try {
            JsonNode node = ConfigDocuments.JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new Refusal(400, "the body must be a JSON object");
            }
            return (ObjectNode) node;
        } catch (java.io.IOException e) {
            throw new Refusal(400, "the body is not valid JSON: " + e.getMessage());
        }
    }

    private ArrayNode array(ObjectNode owner, String field) {
        JsonNode n = owner.get(field);
        if (n instanceof ArrayNode a) {
            return a;
        }
        return owner.putArray(field);
    }

    /** The entity named (or with the id) {@code nameOrId}, or null. */
    @Nullable ObjectNode find(Kind kind, String nameOrId) {
        int i = indexOf(kind, nameOrId);
        return i < 0 ? null : (ObjectNode) array(doc, kind.field).get(i);
    }

    ObjectNode require(Kind kind, String nameOrId) {
        ObjectNode found = find(kind, nameOrId);
        if (found == null) {
            throw new Refusal(404, "no " + kind.singular + " '" + nameOrId + "'");
        }
        return found;
    }

    private int indexOf(Kind kind, String nameOrId) {
        ArrayNode a = array(doc, kind.field);
        for (int i = 0; i < a.size(); i++) {
            String name = a.get(i).path(kind.key).asText();
            if (name.equals(nameOrId) || kind.id(name).equals(nameOrId)) {
                return i;
            }
        }
        return -1;
    }

    /** An entity as the API shows it: its id first, then its fields. */
    static ObjectNode view(Kind kind, ObjectNode entity) {
        ObjectNode out = ConfigDocuments.JSON.createObjectNode();
        out.put("id", kind.id(entity.path(kind.key).asText()));
        out.setAll(entity);
        return out;
    }

    List<ObjectNode> list(Kind kind, @Nullable String service) {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode e : array(doc, kind.field)) {
            if (service == null || service.equals(e.path("service").asText())) {
                out.add(view(kind, (ObjectNode) e));
            }
        }
        return out;
    }

    ObjectNode create(Kind kind, ObjectNode body) {
        String name = body.path(kind.key).asText("");
        if (name.isEmpty()) {
            throw new Refusal(400, kind.key + " is required");
        }
        if (find(kind, name) != null) {
            throw new Refusal(409, kind.singular + " '" + name + "' already exists");
        }
        body.remove("id");
        array(doc, kind.field).add(body);
        return body;
    }

    /** PUT: replaces the entity, or creates it; returns true when it was created. */
    boolean upsert(Kind kind, String nameOrId, ObjectNode body) {
        body.remove("id");
        int i = indexOf(kind, nameOrId);
        if (i < 0) {
            if (!body.has(kind.key)) {
                body.put(kind.key, nameOrId);
            }
            array(doc, kind.field).add(body);
            return true;
        }
        if (!body.has(kind.key)) {
            body.put(kind.key, array(doc, kind.field).get(i).path(kind.key).asText());
        }
        array(doc, kind.field).set(i, body);
        return false;
    }

    /** PATCH: the body's fields replace the entity's; a field set to null is removed. */
    ObjectNode patch(Kind kind, String nameOrId, ObjectNode body) {
        ObjectNode entity = require(kind, nameOrId);
        body.remove("id");
        merge(entity, body);
        return entity;
    }

    private static void merge(ObjectNode target, ObjectNode changes) {
        Iterator<Map.Entry<String, JsonNode>> fields = changes.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNull()) {
                target.remove(f.getKey());
            } else {
                target.set(f.getKey(), f.getValue());
            }
        }
    }

    void delete(Kind kind, String nameOrId) {
        int i = indexOf(kind, nameOrId);
        if (i < 0) {
            throw new Refusal(404, "no " + kind.singular + " '" + nameOrId + "'");
        }
        array(doc, kind.field).remove(i);
    }

    // ---- targets of an upstream

    ArrayNode targets(String upstream) {
        return array(require(Kind.UPSTREAMS, upstream), "targets");
    }

    static ObjectNode targetView(String upstream, JsonNode target) {
        ObjectNode out = ConfigDocuments.JSON.createObjectNode();
        String address = target.path("address").asText();
        out.put("id", uuid("target/" + upstream + "/" + address));
        out.put("target", address);
        ((ObjectNode) target).fields().forEachRemaining(f -> out.set(f.getKey(), f.getValue()));
        out.set("upstream", ConfigDocuments.JSON.createObjectNode().put("name", upstream)
                .put("id", Kind.UPSTREAMS.id(upstream)));
        return out;
    }

    /** Adds a target ({@code target} or {@code address}, Kong's and the YAML's names); replaces one at that address. */
    ObjectNode addTarget(String upstream, ObjectNode body) {
        JsonNode address = body.has("target") ? body.remove("target") : body.get("address");
        if (address == null || address.asText().isEmpty()) {
            throw new Refusal(400, "target is required (host:port)");
        }
        body.remove("id");
        body.remove("upstream");
        body.put("address", address.asText());
        ArrayNode targets = targets(upstream);
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).path("address").asText().equals(address.asText())) {
                targets.set(i, body);
                return body;
            }
        }
        targets.add(body);
        return body;
    }

    void deleteTarget(String upstream, String addressOrId) {
        ArrayNode targets = targets(upstream);
        for (int i = 0; i < targets.size(); i++) {
            String address = targets.get(i).path("address").asText();
            if (address.equals(addressOrId) || uuid("target/" + upstream + "/" + address).equals(addressOrId)) {
                targets.remove(i);
                return;
            }
        }
        throw new Refusal(404, "no target '" + addressOrId + "' in upstream '" + upstream + "'");
    }

    // ---- credentials of a consumer

    private ArrayNode credentials(String consumer, String plugin) {
        ObjectNode c = require(Kind.CONSUMERS, consumer);
        JsonNode byPlugin = c.get("credentials");
        ObjectNode map = byPlugin instanceof ObjectNode o ? o : c.putObject("credentials");
        return array(map, plugin);
    }

    /** The same ids the plugins see (credential/USERNAME/PLUGIN/INDEX). */
    List<ObjectNode> listCredentials(String consumer, String plugin) {
        String username = require(Kind.CONSUMERS, consumer).path("username").asText();
        ArrayNode list = credentials(consumer, plugin);
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ObjectNode view = ConfigDocuments.JSON.createObjectNode();
            view.put("id", uuid("credential/" + username + "/" + plugin + "/" + i));
            view.setAll((ObjectNode) list.get(i));
            view.set("consumer", ConfigDocuments.JSON.createObjectNode().put("username", username)
                    .put("id", Kind.CONSUMERS.id(username)));
            out.add(view);
        }
        return out;
    }

    void addCredential(String consumer, String plugin, ObjectNode body) {
        body.remove("id");
        body.remove("consumer");
        credentials(consumer, plugin).add(body);
    }

    void deleteCredential(String consumer, String plugin, String id) {
        List<ObjectNode> views = listCredentials(consumer, plugin);
        for (int i = 0; i < views.size(); i++) {
            if (views.get(i).path("id").asText().equals(id)) {
                credentials(consumer, plugin).remove(i);
                return;
            }
        }
        throw new Refusal(404, "no " + plugin + " credential '" + id + "' for consumer '" + consumer + "'");
    }

    // ---- certificates of the TLS listeners (file names, as in the YAML)

    /** Every certificate of every TLS listener: id, listener, cert, key and names. */
    List<ObjectNode> certificates() {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode listener : array(doc, "listeners")) {
            JsonNode certs = listener.path("tls").path("certificates");
            String name = listener.path("name").asText();
            for (JsonNode c : certs) {
                ObjectNode view = ConfigDocuments.JSON.createObjectNode();
                view.put("id", uuid("certificate/" + name + "/" + c.path("cert").asText()));
                view.put("listener", name);
                view.setAll((ObjectNode) c);
                out.add(view);
            }
        }
        return out;
    }

    /** Adds {@code {listener, cert, key, names?}} to a TLS listener (the files must exist; they are checked). */
    ObjectNode addCertificate(ObjectNode body) {
        String listener = body.path("listener").asText("");
        ObjectNode target = null;
        for (JsonNode l : array(doc, "listeners")) {
            if (l.path("name").asText().equals(listener)) {
                target = (ObjectNode) l;
            }
        }
        if (target == null || !(target.get("tls") instanceof ObjectNode tls)) {
            throw new Refusal(400, "listener must name a listener with tls (got '" + listener + "')");
        }
        if (!body.hasNonNull("cert") || !body.hasNonNull("key")) {
            throw new Refusal(400, "cert and key are required (PEM files beside the configuration)");
        }
        ObjectNode entry = ConfigDocuments.JSON.createObjectNode().put("cert", body.get("cert").asText())
                .put("key", body.get("key").asText());
        if (body.has("names")) {
            entry.set("names", body.get("names"));
        }
        array(tls, "certificates").add(entry);
        return entry;
    }

    void deleteCertificate(String id) {
        for (JsonNode listener : array(doc, "listeners")) {
            JsonNode certs = listener.path("tls").path("certificates");
            String name = listener.path("name").asText();
            for (int i = 0; i < certs.size(); i++) {
                if (uuid("certificate/" + name + "/" + certs.get(i).path("cert").asText()).equals(id)) {
                    ((ArrayNode) certs).remove(i);
                    return;
                }
            }
        }
        throw new Refusal(404, "no certificate '" + id + "'");
    }

    // ---- plugins at every scope

    List<PluginRef> plugins() {
        List<PluginRef> out = new ArrayList<>();
        collect(out, array(doc, "plugins"), "global", null, null);
        for (Kind kind : List.of(Kind.SERVICES, Kind.ROUTES, Kind.CONSUMERS)) {
            for (JsonNode owner : array(doc, kind.field)) {
                String name = owner.path(kind.key).asText();
                collect(out, array((ObjectNode) owner, "plugins"), kind.singular + ":" + name, kind, name);
            }
        }
        return out;
    }

    private static void collect(List<PluginRef> out, ArrayNode list, String scope, @Nullable Kind kind,
            @Nullable String owner) {
        for (int i = 0; i < list.size(); i++) {
            out.add(new PluginRef(list, i, scope, kind, owner));
        }
    }

    PluginRef plugin(String id) {
        for (PluginRef ref : plugins()) {
            if (ref.id().equals(id)) {
                return ref;
            }
        }
        throw new Refusal(404, "no plugin '" + id + "'");
    }

    /** A plugin as Kong shows it: id, name, enabled, config, and the entity it is scoped to. */
    static ObjectNode pluginView(PluginRef ref) {
        ObjectNode e = ref.entry();
        ObjectNode out = ConfigDocuments.JSON.createObjectNode();
        out.put("id", ref.id());
        out.put("name", e.path("name").asText());
        out.put("enabled", e.path("enabled").asBoolean(true));
        out.set("config", e.has("config") ? e.get("config") : ConfigDocuments.JSON.createObjectNode());
        for (Kind k : List.of(Kind.SERVICES, Kind.ROUTES, Kind.CONSUMERS)) {
            String name = k == ref.ownerKind() ? ref.owner()
                    : k == Kind.ROUTES && e.hasNonNull("route") ? e.get("route").asText()
                    : k == Kind.SERVICES && e.hasNonNull("service") ? e.get("service").asText() : null;
            out.set(k.singular, name == null ? ConfigDocuments.JSON.nullNode()
                    : ConfigDocuments.JSON.createObjectNode().put(k.key, name).put("id", k.id(name)));
        }
        return out;
    }

    /**
     * Adds a plugin. The scope comes from the path ({@code forced}) or from the body's {@code consumer},
     * {@code route} or {@code service} (a name, or {@code {"name"|"id": ...}}); a consumer's plugin may be limited
     * to one route or service.
     */
    PluginRef addPlugin(ObjectNode body, @Nullable Kind forcedKind, @Nullable String forcedOwner) {
        String name = body.path("name").asText("");
        if (name.isEmpty()) {
            throw new Refusal(400, "name is required");
        }
        String consumer = forcedKind == Kind.CONSUMERS ? forcedOwner : reference(body, Kind.CONSUMERS);
        String route = forcedKind == Kind.ROUTES ? forcedOwner : reference(body, Kind.ROUTES);
        String service = forcedKind == Kind.SERVICES ? forcedOwner : reference(body, Kind.SERVICES);
        ObjectNode entry = ConfigDocuments.JSON.createObjectNode().put("name", name);
        if (body.has("enabled")) {
            entry.set("enabled", body.get("enabled"));
        }
        if (body.has("config")) {
            entry.set("config", body.get("config"));
        }
        ArrayNode list;
        if (consumer != null) {
            list = array(require(Kind.CONSUMERS, consumer), "plugins");
            if (route != null) {
                entry.put("route", require(Kind.ROUTES, route).path("name").asText());
            } else if (service != null) {
                entry.put("service", require(Kind.SERVICES, service).path("name").asText());
            }
        } else if (route != null) {
            list = array(require(Kind.ROUTES, route), "plugins");
        } else if (service != null) {
            list = array(require(Kind.SERVICES, service), "plugins");
        } else {
            list = array(doc, "plugins");
        }
        List<PluginRef> before = plugins();
        list.add(entry);
        PluginRef added = null;
        for (PluginRef ref : plugins()) {
            if (ref.list() == list && ref.index() == list.size() - 1) {
                added = ref;
            }
        }
        for (PluginRef ref : before) {
            if (ref.id().equals(added.id())) {
                list.remove(list.size() - 1);
                throw new Refusal(409, "plugin '" + name + "' is already configured there (id " + ref.id() + ")");
            }
        }
        return added;
    }

    private @Nullable String reference(ObjectNode body, Kind kind) {
        JsonNode ref = body.get(kind.singular);
        if (ref == null || ref.isNull()) {
            return null;
        }
        if (ref.isTextual()) {
            return ref.asText();
        }
        JsonNode id = ref.has(kind.key) ? ref.get(kind.key) : ref.get("id");
        if (id == null) {
            throw new Refusal(400, kind.singular + " must be a name or {\"" + kind.key + "\": ...}");
        }
        return id.asText();
    }

    /** PATCH: {@code enabled} and {@code config} fields (config merged key by key); the scope cannot move. */
    ObjectNode patchPlugin(String id, ObjectNode body) {
        PluginRef ref = plugin(id);
        ObjectNode entry = ref.entry();
        if (body.has("enabled")) {
            entry.set("enabled", body.get("enabled"));
        }
        if (body.get("config") instanceof ObjectNode config) {
            JsonNode current = entry.get("config");
            ObjectNode target = current instanceof ObjectNode o ? o : entry.putObject("config");
            merge(target, config);
        }
        for (String moving : List.of("name", "service", "route", "consumer")) {
            if (body.has(moving) && !moving.equals("name")) {
                throw new Refusal(400, "a plugin's scope cannot change: delete it and add it where it belongs");
            }
        }
        return entry;
    }

    void deletePlugin(String id) {
        PluginRef ref = plugin(id);
        ref.list().remove(ref.index());
    }
}
