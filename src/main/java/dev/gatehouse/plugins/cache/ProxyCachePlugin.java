package dev.gatehouse.plugins.cache;

import dev.gatehouse.plugin.api.AttrKey;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.BodyTransformer;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.SharedStore;
import dev.gatehouse.plugin.api.Stage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * {@code proxy-cache}: an HTTP shared cache (RFC 9111) in front of the upstream. A fresh stored response answers in
 * the cache stage; a stale one is revalidated with the upstream (conditional request), served stale while a refresh
 * runs ({@code stale-while-revalidate}) or when the upstream fails ({@code stale-if-error}); concurrent misses of one
 * key make one upstream request; unsafe methods invalidate what they change.
 */
public final class ProxyCachePlugin implements Plugin {

    /** Where entries live. */
    public enum Storage { MEMORY, REDIS }

    /**
     * @param memorySize the memory storage's bound, in bytes of stored responses
     * @param maxObjectSize larger responses are passed through, not stored
     * @param methods the methods answered from the cache: GET and HEAD (a HEAD is answered from its GET's entry)
     * @param statusCodes the statuses stored
     * @param contentTypes the media types stored (prefixes); empty for all
     * @param cacheControl honour the origin's Cache-Control, Expires and Age; false ignores them and stores every
     *     storable status for {@code default_ttl} (Kong's cache_control: false, for origins that send no headers)
     * @param defaultTtl the lifetime of a response that carries no freshness information; 0 to not store those
     * @param heuristic heuristic freshness (10% of the time since Last-Modified) where RFC 9111 allows it
     * @param heuristicMax the cap of a heuristic lifetime
     * @param keepStale how long an expired response with a validator is kept to revalidate with
     * @param statusHeader the response header telling HIT, MISS...; empty for none
     * @param lockTimeout how long a request waits for a concurrent fetch of the same key before going upstream
     * @param collapse make concurrent misses of one key one upstream request
     */
    public record Config(Storage storage, long memorySize, long maxObjectSize, List<String> methods,
            List<Integer> statusCodes, List<String> contentTypes, boolean cacheControl, Duration defaultTtl,
            boolean heuristic, Duration heuristicMax, Duration keepStale, CacheKeys.Spec cacheKey,
            String statusHeader, Duration lockTimeout, boolean collapse) {
        public static final Config DEFAULTS = new Config(Storage.MEMORY, 64L << 20, 8L << 20, List.of("GET", "HEAD"),
                List.of(200, 203, 204, 300, 301, 404, 405, 410, 414, 501), List.of(), true, Duration.ZERO, false,
                Duration.ofHours(24), Duration.ofMinutes(10), CacheKeys.Spec.DEFAULTS, "X-Cache-Status",
                Duration.ofSeconds(5), true);
    }

    static final String HIT = "HIT";
    static final String MISS = "MISS";
    static final String EXPIRED = "EXPIRED";
    static final String STALE = "STALE";
    static final String REVALIDATED = "REVALIDATED";
    static final String BYPASS = "BYPASS";
    private static final Set<String> UNSAFE = Set.of("POST", "PUT", "DELETE", "PATCH");
    private static final int MAX_VARIANTS = 16;

    /** This request's dealings with the cache. */
    private static final class Lookup {
        final String key;
        final long requestTime = System.currentTimeMillis();
        final CacheControl directives;
        /**
         * The client's request head, for Vary and conditionals: the live headers while the cache decides (a hit
         * copies nothing), a copy once the request goes upstream (the gateway and this plugin change the live ones).
         */
        HttpHeaders request;
        String status = MISS;
        /** What was stored under the key when the request came (to write back with a new variant). */
        @Nullable List<CachedResponse> variants;
        /** The stored variant being revalidated, or kept for stale-if-error. */
        @Nullable CachedResponse stale;
        @Nullable CompletableFuture<Void> slot;
        boolean answered;
        /** The stale answer of a background refresh went out; the next response head is the refresh's. */
        boolean sent;

        Lookup(String key, CacheControl directives, HttpHeaders request) {
            this.key = key;
            this.directives = directives;
            this.request = request;
        }
    }

    private static final AttrKey<Lookup> LOOKUP = AttrKey.of("proxy-cache");
    private static final AttrKey<String> BYPASSED = AttrKey.of("proxy-cache-bypass");
    private static final AttrKey<Boolean> INVALIDATES = AttrKey.of("proxy-cache-invalidate");

    private final Config config;
    private final CacheStorage storage;
    private final @Nullable MemoryStorage memory;
    private final CachePolicy policy;
    private final CacheKeys keys;
    private final Collapser collapser;
    private final @Nullable String statusHeader;
    private final CacheHandle stats;

    ProxyCachePlugin(Config config, CacheStorage storage, Collapser collapser, CacheHandle stats) {
        this.config = config;
        this.storage = storage;
        this.memory = storage instanceof MemoryStorage m ? m : null;
        this.collapser = collapser;
        this.stats = stats;
        this.keys = new CacheKeys(config.cacheKey());
        this.statusHeader = config.statusHeader().isBlank() ? null : config.statusHeader();
        this.policy = new CachePolicy(config.cacheControl(), config.defaultTtl().toMillis(), config.heuristic(),
                config.heuristicMax().toMillis(), config.keepStale().toMillis(), new HashSet<>(config.statusCodes()),
                config.contentTypes().stream().map(t -> t.toLowerCase(Locale.ROOT)).toList(), statusHeader);
    }

    @Override
    public Duration awaitTimeout() {
        return config.lockTimeout();
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange ex) {
        String method = ex.method();
        if (UNSAFE.contains(method)) {
            ex.attribute(INVALIDATES, Boolean.TRUE);
            return Outcome.CONTINUE;
        }
        HttpHeaders h = ex.requestHeaders();
        CacheControl directives = config.cacheControl()
                ? CacheControl.parse(h.getAll(HttpHeaderNames.CACHE_CONTROL)) : CacheControl.NONE;
        if (!config.methods().contains(method) || directives.noStore()) {
            ex.attribute(BYPASSED, BYPASS);
            return Outcome.CONTINUE;
        }
        if (config.cacheControl() && !h.contains(HttpHeaderNames.CACHE_CONTROL)
                && "no-cache".equalsIgnoreCase(h.get(HttpHeaderNames.PRAGMA))) {
            // HTTP/1.0's Pragma: no-cache, honoured when no Cache-Control says otherwise (section 5.4)
            directives = new CacheControl(-1, -1, -1, -1, -1, -1, false, true, false, false, false, false, false);
        }
        Lookup lookup = new Lookup(keys.of(ex), directives, h);
        ex.attribute(LOOKUP, lookup);
        if (memory != null) {
            return decide(ex, lookup, memory.getNow(lookup.key), true);
        }
        return new Outcome.Await(storage.get(lookup.key)
                .thenApply(variants -> new Outcome.OnLoop(() -> decide(ex, lookup, variants, true))));
    }

    /**
     * What to do with what the storage holds for the request's key.
     *
     * @param mayWait false once the request has waited for another's fetch: it does not wait twice
     */
    private Outcome decide(PluginExchange ex, Lookup lookup, @Nullable List<CachedResponse> variants,
            boolean mayWait) {
        lookup.variants = variants;
        long now = System.currentTimeMillis();
        CachedResponse stored = select(variants, lookup.request);
        CacheControl req = lookup.directives;
        boolean authorized = lookup.request.contains(HttpHeaderNames.AUTHORIZATION);
        if (stored != null && authorized && !stored.authorizedUse()) {
            // RFC 9111 section 3.5: a response to an authenticated request is only shared when it says so
            stored = null;
        }
        if (stored != null) {
            long age = stored.ageMs(now);
            long staleness = age - stored.freshnessMs();
            boolean validateFirst = stored.noCache() || req.noCache();
            boolean fresh = staleness < 0 && !validateFirst && (req.maxAge() < 0 || age <= req.maxAge() * 1000)
                    && (req.minFresh() < 0 || -staleness >= req.minFresh() * 1000);
            if (fresh) {
                return answer(ex, lookup, stored, HIT, now);
            }
            boolean mayServeStale = !validateFirst && !stored.revalidate() && staleness >= 0;
            if (mayServeStale && req.maxStale() >= 0 && (req.maxStale() == CacheControl.ANY
                    || staleness <= req.maxStale() * 1000)) {
                return answer(ex, lookup, stored, STALE, now);
            }
            if (mayServeStale && stored.staleWhileRevalidateMs() >= 0
                    && staleness <= stored.staleWhileRevalidateMs()) {
                CompletableFuture<Void> slot = config.collapse() ? collapser.lead(lookup.key) : null;
                if (slot == null && config.collapse()) {
                    // someone is refreshing it already
                    return answer(ex, lookup, stored, STALE, now);
                }
                lookup.slot = slot;
                lookup.stale = stored;
                lookup.status = STALE;
                keepRequest(ex, lookup);
                conditional(ex, stored);
                lookup.answered = true;
                stats.hit();
                return new Outcome.Send(withStatus(stored.toResponse(now, !"HEAD".equals(ex.method())), STALE),
                        true);
            }
        }
        if (req.onlyIfCached()) {
            return Outcome.error(504, "not_cached", "only-if-cached: no stored response can answer this request");
        }
        if (stored != null) {
            lookup.stale = stored;
            lookup.status = EXPIRED;
        }
        // a HEAD or a range request stores nothing, so it does not make others wait for it
        if (config.collapse() && !"HEAD".equals(ex.method()) && !lookup.request.contains(HttpHeaderNames.RANGE)) {
            CompletableFuture<Void> slot = collapser.lead(lookup.key);
            if (slot == null && mayWait) {
                CompletableFuture<Void> running = collapser.running(lookup.key);
                if (running != null) {
                    // if the wait times out, the request goes upstream as it is (fail-open): keep its head now
                    keepRequest(ex, lookup);
                    return new Outcome.Await(running.thenApply(done -> new Outcome.OnLoop(() -> lookAgain(ex,
                            lookup))));
                }
                slot = collapser.lead(lookup.key);
            }
            lookup.slot = slot;
        }
        keepRequest(ex, lookup);
        if (lookup.stale != null) {
            conditional(ex, lookup.stale);
        }
        stats.miss();
        return Outcome.CONTINUE;
    }

    /** The request goes upstream: keep the client's head as it is now, before it is changed for the upstream. */
    private static void keepRequest(PluginExchange ex, Lookup lookup) {
        if (lookup.request == ex.requestHeaders()) {
            lookup.request = new DefaultHttpHeaders().set(ex.requestHeaders());
        }
    }

    private Outcome lookAgain(PluginExchange ex, Lookup lookup) {
        if (memory != null) {
            return decide(ex, lookup, memory.getNow(lookup.key), false);
        }
        return new Outcome.Await(storage.get(lookup.key)
                .thenApply(variants -> new Outcome.OnLoop(() -> decide(ex, lookup, variants, false))));
    }

    /** Answers from the cache: the stored response, or a 304 when the client's own condition holds. */
    private Outcome answer(PluginExchange ex, Lookup lookup, CachedResponse stored, String status, long now) {
        lookup.answered = true;
        lookup.status = status;
        stats.hit();
        var response = Conditionals.notModified(lookup.request, stored) ? stored.notModified(now)
                : stored.toResponse(now, !"HEAD".equals(ex.method()));
        return new Outcome.Send(withStatus(response, status));
    }

    private <R extends HttpResponse> R withStatus(R response, String status) {
        if (statusHeader != null) {
            response.headers().set(statusHeader, status);
        }
        return response;
    }

    /** The upstream request becomes a conditional one with the stored validators (section 4.3.1). */
    private static void conditional(PluginExchange ex, CachedResponse stored) {
        HttpHeaders h = ex.requestHeaders();
        h.remove(HttpHeaderNames.IF_NONE_MATCH);
        h.remove(HttpHeaderNames.IF_MODIFIED_SINCE);
        h.remove(HttpHeaderNames.IF_MATCH);
        h.remove(HttpHeaderNames.IF_UNMODIFIED_SINCE);
        h.remove(HttpHeaderNames.IF_RANGE);
        String etag = stored.header("etag");
        String lastModified = stored.header("last-modified");
        if (etag != null) {
            h.set(HttpHeaderNames.IF_NONE_MATCH, etag);
        }
        if (lastModified != null) {
            h.set(HttpHeaderNames.IF_MODIFIED_SINCE, lastModified);
        }
    }

    private static @Nullable CachedResponse select(@Nullable List<CachedResponse> variants, HttpHeaders request) {
        if (variants == null) {
            return null;
        }
        CachedResponse best = null;
        for (CachedResponse r : variants) {
            // the most recent of the matching variants (section 4.1)
            if (r.matches(request) && (best == null || r.responseTime() > best.responseTime())) {
                best = r;
            }
        }
        return best;
    }

    @Override
    public void onResponseHeaders(PluginExchange ex, HttpResponse response) {
        if (ex.attribute(INVALIDATES) != null) {
            invalidate(ex, response);
            return;
        }
        String bypass = ex.attribute(BYPASSED);
        if (bypass != null) {
            withStatus(response, bypass);
            return;
        }
        Lookup lookup = ex.attribute(LOOKUP);
        if (lookup == null || lookup.answered && !STALE.equals(lookup.status)) {
            return;
        }
        if (lookup.answered) {
            if (!lookup.sent) {
                // the stale answer itself, on its way to the client
                lookup.sent = true;
                return;
            }
            // the refresh behind the stale answer: its response only goes to the cache
            refreshed(ex, lookup, response);
            return;
        }
        long now = System.currentTimeMillis();
        int code = response.status().code();
        CachedResponse stale = lookup.stale;
        if (stale != null && code == 304) {
            CachedResponse fresh = policy.freshen(stale, response, lookup.requestTime, now, lookup.request);
            replace(ex, response, fresh, REVALIDATED, now, lookup);
            finishAfter(lookup, store(lookup, fresh));
            return;
        }
        if (stale != null && code >= 500 && staleIfError(stale, lookup.directives, now)) {
            replace(ex, response, stale, STALE, now, lookup);
            finish(lookup);
            return;
        }
        withStatus(response, lookup.status);
        if (!captures(ex, response, lookup, now)) {
            finish(lookup);
        }
    }

    /** The response of a background refresh: stored when it may be, never shown to the client. */
    private void refreshed(PluginExchange ex, Lookup lookup, HttpResponse response) {
        CachedResponse stale = lookup.stale;
        long now = System.currentTimeMillis();
        if (stale != null && response.status().code() == 304) {
            finishAfter(lookup, store(lookup, policy.freshen(stale, response, lookup.requestTime, now,
                    lookup.request)));
        } else if (!captures(ex, response, lookup, now)) {
            finish(lookup);
        }
    }

    private static boolean staleIfError(CachedResponse stale, CacheControl request, long now) {
        if (stale.revalidate() || stale.noCache()) {
            return false;
        }
        long staleness = stale.stalenessMs(now);
        long allowed = Math.max(stale.staleIfErrorMs(), request.staleIfError() < 0 ? -1 : request.staleIfError()
                * 1000);
        return allowed >= 0 && staleness <= allowed;
    }

    /**
     * Starts keeping a copy of the body when the response may be stored; false when it may not.
     *
     * @param responseTime when the head arrived (RFC 9111's response_time)
     */
    private boolean captures(PluginExchange ex, HttpResponse response, Lookup lookup, long responseTime) {
        if ("HEAD".equals(ex.method())) {
            return false;
        }
        if (policy.refusal(response, lookup.directives,
                lookup.request.contains(HttpHeaderNames.AUTHORIZATION)) != null) {
            return false;
        }
        long length = HttpUtil.getContentLength(response, -1L);
        if (length > config.maxObjectSize()) {
            return false;
        }
        if (response.status().code() == 204) {
            finishAfter(lookup, storeBody(lookup, response, new byte[0], responseTime));
            return true;
        }
        // the head as it is now: plugins nearer the client (rate-limit headers...) are not part of what is stored
        HttpResponse head = new io.netty.handler.codec.http.DefaultHttpResponse(response.protocolVersion(),
                response.status(), response.headers().copy());
        ex.transformResponseBody(new Capture(lookup, head, length, responseTime));
        return true;
    }

    /**
     * Copies the body as it streams to the client: the client's chunks go on at once, the cache keeps one copy
     * (exactly sized when the length is known), never two.
     */
    private final class Capture implements BodyTransformer {
        private final Lookup lookup;
        private final HttpResponse head;
        private final long responseTime;
        private byte @Nullable [] copy;
        private int size;

        Capture(Lookup lookup, HttpResponse head, long length, long responseTime) {
            this.lookup = lookup;
            this.head = head;
            this.responseTime = responseTime;
            this.copy = new byte[length >= 0 ? (int) length : 8192];
        }

        @Override
        public ByteBuf transform(ByteBuf chunk, boolean last) {
            byte[] c = copy;
            if (c == null) {
                return chunk;
            }
            int n = chunk.readableBytes();
            if (size + (long) n > config.maxObjectSize()) {
                copy = null;
                finish(lookup);
                return chunk;
            }
            if (size + n > c.length) {
                c = java.util.Arrays.copyOf(c, (int) Math.min(config.maxObjectSize(),
                        Math.max(size + (long) n, c.length * 2L)));
                copy = c;
            }
            chunk.getBytes(chunk.readerIndex(), c, size, n);
            size += n;
            if (last) {
                copy = null;
                byte[] body = size == c.length ? c : java.util.Arrays.copyOf(c, size);
                finishAfter(lookup, storeBody(lookup, head, body, responseTime));
            }
            return chunk;
        }

        @Override
        public void abandon() {
            copy = null;
            finish(lookup);
        }
    }

    private CompletionStage<Void> storeBody(Lookup lookup, HttpResponse head, byte[] body, long responseTime) {
        CachedResponse entry = policy.entry(head, body, lookup.requestTime, responseTime, lookup.request);
        return entry == null ? CompletableFuture.completedFuture(null) : store(lookup, entry);
    }

    /** Stores {@code entry} beside the key's other variants; completes once the storage has it. */
    private CompletionStage<Void> store(Lookup lookup, CachedResponse entry) {
        List<CachedResponse> kept = new ArrayList<>(4);
        kept.add(entry);
        List<CachedResponse> before = lookup.variants;
        if (before != null) {
            for (CachedResponse other : before) {
                if (kept.size() < MAX_VARIANTS && !other.varyValues().equals(entry.varyValues())) {
                    kept.add(other);
                }
            }
        }
        long ttl = 0;
        for (CachedResponse r : kept) {
            ttl = Math.max(ttl, policy.retentionMs(r));
        }
        return ttl > 0 ? storage.put(lookup.key, kept, ttl) : CompletableFuture.completedFuture(null);
    }

    /** Puts a stored response in place of the upstream's (after a 304, or a 5xx under stale-if-error). */
    private void replace(PluginExchange ex, HttpResponse response, CachedResponse stored, String status, long now,
            Lookup lookup) {
        lookup.status = status;
        HttpHeaders h = response.headers();
        if (Conditionals.notModified(lookup.request, stored)) {
            response.setStatus(HttpResponseStatus.NOT_MODIFIED);
            h.clear();
            h.set(stored.notModified(now).headers());
            withStatus(response, status);
            ex.transformResponseBody(new Replacement(null));
            return;
        }
        response.setStatus(HttpResponseStatus.valueOf(stored.status()));
        h.clear();
        var full = stored.toResponse(now, false);
        h.set(full.headers());
        full.release();
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, stored.body().length);
        withStatus(response, status);
        ex.transformResponseBody(new Replacement(stored.body()));
    }

    /** Drops the upstream's body and sends a stored one (or none) in its place. */
    private static final class Replacement implements BodyTransformer {
        private final byte @Nullable [] body;

        Replacement(byte @Nullable [] body) {
            this.body = body;
        }

        @Override
        public ByteBuf transform(ByteBuf chunk, boolean last) {
            chunk.release();
            return last && body != null ? Unpooled.wrappedBuffer(body) : Unpooled.EMPTY_BUFFER;
        }
    }

    /** An unsafe method that succeeded invalidates its target and its Location / Content-Location (section 4.4). */
    private void invalidate(PluginExchange ex, HttpResponse response) {
        int code = response.status().code();
        if (code < 200 || code >= 400) {
            return;
        }
        storage.remove(keys.of(ex));
        for (CharSequence name : List.of(HttpHeaderNames.LOCATION, HttpHeaderNames.CONTENT_LOCATION)) {
            String target = response.headers().get(name);
            if (target == null) {
                continue;
            }
            try {
                URI uri = URI.create(ex.scheme() + "://" + ex.host()).resolve(target.trim());
                // only the same host: another origin's entries are not this response's to invalidate
                if (uri.getHost() != null && uri.getHost().equalsIgnoreCase(ex.host())) {
                    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
                    storage.remove(keys.of(ex, path, uri.getRawQuery(), ex.host(), ex.scheme()));
                }
            } catch (IllegalArgumentException malformed) {
                // a Location that is not a URI invalidates nothing
            }
        }
    }

    /** Ends the fetch once {@code stored} completes, so that waiters find what it stored (Redis writes later). */
    private void finishAfter(Lookup lookup, CompletionStage<Void> stored) {
        CompletableFuture<Void> slot = lookup.slot;
        if (slot != null) {
            lookup.slot = null;
            stored.whenComplete((done, error) -> collapser.done(lookup.key, slot));
        }
    }

    private void finish(Lookup lookup) {
        CompletableFuture<Void> slot = lookup.slot;
        if (slot != null) {
            lookup.slot = null;
            collapser.done(lookup.key, slot);
        }
    }

    @Override
    public void onComplete(PluginExchange ex, int status) {
        Lookup lookup = ex.attribute(LOOKUP);
        if (lookup != null) {
            finish(lookup);
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("proxy-cache", Config.class, Stage.CACHE, 100);
        }

        @Override
        public boolean failOpen() {
            // a slow storage or a long wait for another's fetch: go to the upstream
            return true;
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            for (String m : config.methods()) {
                if (!m.equals("GET") && !m.equals("HEAD")) {
                    throw new IllegalArgumentException("methods: '" + m + "' cannot be cached (GET, HEAD)");
                }
            }
            if (!config.cacheControl() && config.defaultTtl().isZero()) {
                throw new IllegalArgumentException("default_ttl: required when cache_control is false");
            }
            if (config.memorySize() <= 0 || config.maxObjectSize() <= 0) {
                throw new IllegalArgumentException("memory_size and max_object_size must be positive");
            }
            CacheStorage storage;
            if (config.storage() == Storage.REDIS) {
                SharedStore redis = environment.sharedStore();
                if (redis == null) {
                    throw new IllegalArgumentException("storage: redis needs the top-level redis: block");
                }
                storage = new RedisStorage(redis, "gatehouse:cache:" + environment.scope() + ":");
            } else {
                // kept across reloads: a new configuration does not empty the cache (unless its size changes)
                storage = environment.retained("proxy-cache:memory:" + config.memorySize(), MemoryStorage.class,
                        () -> new MemoryStorage(config.memorySize()));
            }
            Collapser collapser = environment.retained("proxy-cache:collapser", Collapser.class, Collapser::new);
            CacheHandle handle = environment.retained("proxy-cache:handle", CacheHandle.class, CacheHandle::new);
            handle.storage(storage);
            return new ProxyCachePlugin(config, storage, collapser, handle);
        }
    }
}
