package dev.gatehouse.plugins.ratelimit;

import dev.gatehouse.plugin.api.AttrKey;
import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Outcome;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginEnvironment;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.SharedStore;
import dev.gatehouse.plugin.api.Stage;
import com.github.benmanes.caffeine.cache.Cache;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code rate-limiting}: several limits at once per key, counted on this node (policy {@code local}). Refused
 * requests get 429 with {@code Retry-After}; every response carries the quota headers (Kong's or the IETF draft's)
 * unless {@code hide_client_headers}.
 */
public final class RateLimitingPlugin implements Plugin {

    /**
     * One limit: {@code requests} per {@code per}. For {@code token-bucket}: {@code burst} is the bucket size
     * (default: {@code requests}), and {@code delay}, when set, makes the bucket a queue: beyond the first request,
     * {@code delay} more of a burst go at once and the rest wait their turn at the rate (nginx's {@code limit_req}
     * without {@code nodelay}); unset, a burst goes at once (nginx's {@code nodelay}).
     */
    public record Limit(long requests, Duration per, long burst, @Nullable Long delay) {
        public static final Limit DEFAULTS = new Limit(0, Duration.ofSeconds(1), 0, null);

        /** The bucket size. */
        long capacity() {
            return burst > 0 ? burst : requests;
        }

        /** How many requests of a full bucket go without waiting. */
        long immediate() {
            return delay == null ? capacity() : Math.min(capacity(), delay + 1);
        }

        /** The longest a request may wait in the queue. */
        Duration maxDelay() {
            return Duration.ofMillis((long) Math.ceil((double) (capacity() - immediate()) * per.toMillis() / requests));
        }
    }

    /**
     * How to count: a sliding window (the previous window weighted by its overlap, plus the current one), fixed
     * windows, or a token bucket of {@code burst} tokens refilled at {@code requests/per} (nginx's limit_req with
     * nodelay).
     */
    public enum Algorithm { SLIDING_WINDOW, FIXED_WINDOW, TOKEN_BUCKET }

    /** Which quota headers to send. */
    public enum HeaderStyle { KONG, IETF }

    /**
     * @param second Kong's shorthand: requests per second (likewise minute, hour, day)
     * @param limitBy key sources tried in order until one is present; {@code a+b} combines sources
     * @param syncInterval with policy redis: count on this node and reconcile with Redis this often (0: a Redis
     *     call per request)
     */
    public record Config(List<Limit> limits, @Nullable Long second, @Nullable Long minute, @Nullable Long hour,
            @Nullable Long day, Algorithm algorithm, List<String> limitBy, String policy,
            boolean faultTolerant, Duration syncInterval, boolean hideClientHeaders, HeaderStyle headers,
            int errorCode, String errorMessage) {
        public static final Config DEFAULTS = new Config(List.of(), null, null, null, null,
                Algorithm.SLIDING_WINDOW, List.of("consumer", "ip"), "local", true, Duration.ZERO, false,
                HeaderStyle.KONG, 429, "API rate limit exceeded");
    }

    private static final AttrKey<LocalLimiter.Decision[]> DECISIONS = AttrKey.of("rate-limiting");

    /** A compiled limit's header names and values, built once. */
    private record Window(Limit limit, String policyName, AsciiString limitHeader, AsciiString remainingHeader,
            String policy, String limitValue) {
        Window(Limit limit, String name, Algorithm algorithm) {
            this(limit, name.toLowerCase(Locale.ROOT), AsciiString.cached("X-RateLimit-Limit-" + name),
                    AsciiString.cached("X-RateLimit-Remaining-" + name),
                    "\"" + name.toLowerCase(Locale.ROOT) + "\";q=" + limit.requests() + ";w=" + limit.per().toSeconds(),
                    String.valueOf(algorithm == Algorithm.TOKEN_BUCKET ? limit.capacity() : limit.requests()));
        }
    }

    // header names as AsciiString: validated and hashed faster than String on every response
    private static final AsciiString LIMIT = AsciiString.cached("RateLimit-Limit");
    private static final AsciiString REMAINING = AsciiString.cached("RateLimit-Remaining");
    private static final AsciiString RESET = AsciiString.cached("RateLimit-Reset");
    private static final AsciiString POLICY = AsciiString.cached("RateLimit-Policy");
    private static final AsciiString RATE_LIMIT = AsciiString.cached("RateLimit");

    private final Config config;
    private final List<Window> windows;
    private final List<List<KeySource>> keys;
    private final @Nullable LocalLimiter local;
    private final @Nullable RedisLimiter redis;
    private final @Nullable SyncedLimiter synced;
    private final String policyHeader;
    /**
     * Kong style: the headers whose values never change (the limits), one set per possible tightest window, built
     * once. Adding a whole set to a response is Netty's fast copy between headers of one factory: no name is
     * validated or hashed again per request.
     */
    private final HttpHeaders[] constantHeaders;
    private final @Nullable Duration maxDelay;

    private RateLimitingPlugin(Config config, List<Window> windows, List<List<KeySource>> keys,
            @Nullable LocalLimiter local, @Nullable RedisLimiter redis, @Nullable SyncedLimiter synced) {
        this.config = config;
        this.synced = synced;
        this.windows = List.copyOf(windows);
        this.keys = List.copyOf(keys);
        this.local = local;
        this.redis = redis;
        this.policyHeader = String.join(", ", this.windows.stream().map(Window::policy).toList());
        this.constantHeaders = new HttpHeaders[this.windows.size()];
        for (int tightest = 0; tightest < constantHeaders.length; tightest++) {
            HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newHeaders();
            h.add(LIMIT, this.windows.get(tightest).limitValue());
            for (Window w : this.windows) {
                h.add(w.limitHeader(), w.limitValue());
            }
            constantHeaders[tightest] = h;
        }
        Duration longest = Duration.ZERO;
        for (Window w : this.windows) {
            longest = w.limit().maxDelay().compareTo(longest) > 0 ? w.limit().maxDelay() : longest;
        }
        this.maxDelay = longest.isZero() ? null : longest;
    }

    /** A queueing token bucket keeps requests waiting up to its longest delay, plus a margin. */
    @Override
    public @Nullable Duration awaitTimeout() {
        return maxDelay == null ? null : maxDelay.plusSeconds(10);
    }

    @Override
    public Outcome onRequestHeaders(PluginExchange exchange) {
        String key = KeySource.key(keys, exchange);
        if (redis != null) {
            return new Outcome.Await(redis.take(key, exchange.executor()).handle((decisions, error) -> {
                if (error != null) {
                    return storeDown(error);
                }
                return new Outcome.OnLoop(() -> decide(exchange, decisions));
            }));
        }
        long now = System.currentTimeMillis();
        return decide(exchange, synced != null ? synced.take(key, now) : local.take(key, now));
    }

    private Outcome storeDown(Throwable error) {
        RedisFailures.record(error, "rate-limiting: " + (config.faultTolerant() ? "letting requests through"
                : "answering 503"));
        return config.faultTolerant() ? Outcome.CONTINUE
                : Outcome.error(503, "rate_limit_unavailable", "the rate limit cannot be checked now");
    }

    private Outcome decide(PluginExchange exchange, LocalLimiter.Decision[] decisions) {
        long retryAfter = 0;
        long delay = 0;
        for (LocalLimiter.Decision d : decisions) {
            if (!d.allowed()) {
                retryAfter = Math.max(retryAfter, d.retryAfterMillis());
            }
            delay = Math.max(delay, d.delayMillis());
        }
        exchange.attribute(DECISIONS, decisions);
        if (retryAfter == 0) {
            return delay == 0 ? Outcome.CONTINUE : queued(exchange, delay);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Retry-After", String.valueOf((retryAfter + 999) / 1000));
        if (!config.hideClientHeaders()) {
            HttpHeaders quota = new io.netty.handler.codec.http.DefaultHttpHeaders();
            quotaHeaders(decisions, quota, true);
            quota.forEach(e -> headers.put(e.getKey(), e.getValue()));
        }
        return new Outcome.Respond(config.errorCode(), "rate_limited", config.errorMessage(), headers, null, null);
    }

    /** Holds the request for its turn in the token bucket's queue (the event loop's timer, no thread waits). */
    private static Outcome queued(PluginExchange exchange, long delayMillis) {
        CompletableFuture<Outcome> turn = new CompletableFuture<>();
        exchange.executor().schedule(() -> turn.complete(Outcome.CONTINUE), delayMillis, TimeUnit.MILLISECONDS);
        return new Outcome.Await(turn);
    }

    @Override
    public void onResponseHeaders(PluginExchange exchange, HttpResponse response) {
        LocalLimiter.Decision[] decisions = exchange.attribute(DECISIONS);
        if (decisions == null || config.hideClientHeaders()) {
            return;
        }
        HttpHeaders h = response.headers();
        // one lookup decides: an upstream that sends quota headers sends the first of its style
        quotaHeaders(decisions, h, h.contains(config.headers() == HeaderStyle.KONG ? LIMIT : POLICY));
    }

    /** Decimal strings of small numbers, built once: remaining and reset values are mostly small. */
    private static final String[] NUMBERS = new String[1024];

    static {
        for (int i = 0; i < NUMBERS.length; i++) {
            NUMBERS[i] = Integer.toString(i);
        }
    }

    private static String number(long n) {
        return n >= 0 && n < NUMBERS.length ? NUMBERS[(int) n] : Long.toString(n);
    }

    /**
     * Writes the quota headers. {@code replace}: an existing value of the same name is replaced; otherwise the
     * headers are only added (a response from upstream rarely carries them, and adding skips a search per header).
     */
    private void quotaHeaders(LocalLimiter.Decision[] decisions, HttpHeaders h, boolean replace) {
        int tightest = 0;
        for (int i = 1; i < decisions.length; i++) {
            if (decisions[i].remaining() < decisions[tightest].remaining()) {
                tightest = i;
            }
        }
        LocalLimiter.Decision d = decisions[tightest];
        long reset = (d.resetMillis() + 999) / 1000;
        if (config.headers() == HeaderStyle.KONG && !replace) {
            h.add(constantHeaders[tightest]);
            h.add(REMAINING, number(d.remaining()));
            h.add(RESET, number(reset));
            for (int i = 0; i < decisions.length; i++) {
                h.add(windows.get(i).remainingHeader(), number(decisions[i].remaining()));
            }
        } else if (config.headers() == HeaderStyle.KONG) {
            put(h, replace, LIMIT, windows.get(tightest).limitValue());
            put(h, replace, REMAINING, number(d.remaining()));
            put(h, replace, RESET, number(reset));
            for (int i = 0; i < decisions.length; i++) {
                Window w = windows.get(i);
                put(h, replace, w.limitHeader(), w.limitValue());
                put(h, replace, w.remainingHeader(), number(decisions[i].remaining()));
            }
        } else {
            put(h, replace, POLICY, policyHeader);
            put(h, replace, RATE_LIMIT, "\"" + windows.get(tightest).policyName() + "\";r=" + d.remaining() + ";t="
                    + reset);
        }
    }

    private static void put(HttpHeaders h, boolean replace, AsciiString name, String value) {
        if (replace) {
            h.set(name, value);
        } else {
            h.add(name, value);
        }
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("rate-limiting", Config.class, Stage.RATE_LIMIT, 910);
        }

        @Override
        public Plugin create(Config config, PluginEnvironment environment) {
            if (!config.policy().equals("local") && !config.policy().equals("redis")) {
                throw new IllegalArgumentException("policy: '" + config.policy() + "' (expected: local | redis)");
            }
            boolean shared = config.policy().equals("redis");
            SharedStore store = environment.sharedStore();
            if (shared && store == null) {
                throw new IllegalArgumentException("policy: redis needs the top-level redis: block");
            }
            List<Limit> limits = new ArrayList<>(config.limits());
            addShorthand(limits, config.second(), Duration.ofSeconds(1));
            addShorthand(limits, config.minute(), Duration.ofMinutes(1));
            addShorthand(limits, config.hour(), Duration.ofHours(1));
            addShorthand(limits, config.day(), Duration.ofDays(1));
            if (limits.isEmpty()) {
                throw new IllegalArgumentException("no limit (expected: limits: [{ requests: 10, per: 1s }] or "
                        + "second/minute/hour/day)");
            }
            List<Window> windows = new ArrayList<>();
            for (int i = 0; i < limits.size(); i++) {
                Limit l = limits.get(i);
                if (l.requests() <= 0 || l.per().isZero() || l.per().isNegative() || l.burst() < 0) {
                    throw new IllegalArgumentException("limits[" + i + "]: " + l.requests() + " per " + l.per()
                            + " (expected: requests > 0, per > 0, burst >= 0)");
                }
                if (l.delay() != null && (config.algorithm() != Algorithm.TOKEN_BUCKET || l.delay() < 0)) {
                    throw new IllegalArgumentException("limits[" + i + "].delay: " + l.delay()
                            + " (expected: a number >= 0, with algorithm: token-bucket)");
                }
                windows.add(new Window(l, windowName(l.per()), config.algorithm()));
            }
            List<List<KeySource>> keys = KeySource.parseAll(config.limitBy());
            Duration sync = config.syncInterval();
            if (sync.isNegative() || !sync.isZero() && (!shared || config.algorithm() == Algorithm.TOKEN_BUCKET)) {
                throw new IllegalArgumentException("sync_interval: " + sync + " (expected: a positive duration, "
                        + "with policy: redis and a fixed-window or sliding-window algorithm)");
            }
            String namespace = shared ? namespace(environment.scope(), config) : "";
            if (shared && !sync.isZero()) {
                String stateKey = "sync|" + namespace + "|" + sync.toMillis() + "|"
                        + limits.stream().map(l -> l.per().toMillis()).toList();
                SyncedLimiter synced = environment.retained(stateKey, SyncedLimiter.class, () -> new SyncedLimiter(
                        store, config.algorithm() == Algorithm.SLIDING_WINDOW, namespace, limits, sync));
                synced.limits(limits);
                return new RateLimitingPlugin(config, windows, keys, null, null, synced);
            }
            if (shared) {
                return new RateLimitingPlugin(config, windows, keys, null,
                        new RedisLimiter(store, config.algorithm(), namespace, limits), null);
            }
            // the counters survive reloads as long as the limits keep their windows
            String stateKey = config.algorithm() + "|" + config.limitBy() + "|"
                    + limits.stream().map(l -> l.per().toMillis()).toList();
            Duration idle = LocalLimiter.idleAfter(config.algorithm(), limits);
            @SuppressWarnings("unchecked")
            Cache<String, java.util.concurrent.atomic.AtomicReference<LocalLimiter.State>> table = environment.retained(
                    stateKey, Cache.class,
                    () -> LocalLimiter.table(idle));
            return new RateLimitingPlugin(config, windows, keys, new LocalLimiter(config.algorithm(), limits, table),
                    null, null);
        }

        /**
         * The Redis key prefix: the same on every node for the same scope, algorithm and keys, so that nodes share
         * counters, and unchanged when only the numbers of a limit change (as Kong's counters are).
         */
        private static String namespace(String scope, Config config) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest((scope + "|" + config.algorithm() + "|"
                        + config.limitBy()).getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(d, 0, 8);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void addShorthand(List<Limit> limits, @Nullable Long requests, Duration per) {
            if (requests != null) {
                limits.add(new Limit(requests, per, 0, null));
            }
        }

        /** Kong's window names for the usual windows, the duration itself otherwise. */
        private static String windowName(Duration per) {
            long s = per.toSeconds();
            if (per.toMillis() % 1000 == 0) {
                if (s == 1) {
                    return "Second";
                } else if (s == 60) {
                    return "Minute";
                } else if (s == 3600) {
                    return "Hour";
                } else if (s == 86_400) {
                    return "Day";
                }
            }
            return per.toMillis() % 1000 == 0 ? s + "s" : per.toMillis() + "ms";
        }
    }
}
