package dev.gatehouse.plugins.auth.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a JWKS URL, fetched asynchronously (the JDK's HTTP client, never on an event loop), kept until a token
 * names a key id the set does not have; then fetched again, at most once per {@code minRefresh}. A failed fetch keeps
 * the keys it had (served stale).
 */
final class JwksCache {

    private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI url;
    private final Duration timeout;
    private final long minRefreshNanos;
    private volatile JWKSet keys = new JWKSet();
    private volatile @Nullable CompletableFuture<JWKSet> inFlight;
    private volatile long lastFetchNanos;

    JwksCache(URI url, Duration timeout, Duration minRefresh) {
        this.url = url;
        this.timeout = timeout;
        this.minRefreshNanos = minRefresh.toNanos();
        refresh();
    }

    /** The key with this id from the keys at hand, or null. */
    @Nullable JWK key(@Nullable String kid) {
        return kid == null ? null : keys.getKeyByKeyId(kid);
    }

    /**
     * Fetches the set again unless that was done within the minimum interval (then the keys at hand are returned);
     * concurrent callers share one fetch.
     */
    synchronized CompletableFuture<JWKSet> refresh() {
        CompletableFuture<JWKSet> running = inFlight;
        if (running != null) {
            return running;
        }
        if (lastFetchNanos != 0 && System.nanoTime() - lastFetchNanos < minRefreshNanos) {
            return CompletableFuture.completedFuture(keys);
        }
        lastFetchNanos = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json").GET()
                .build();
        CompletableFuture<JWKSet> fetch = CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(this::parse)
                .exceptionally(error -> {
                    LOG.warn("jwks {}: fetch failed, keeping {} cached key(s): {}", url, keys.size(), error.toString());
                    return keys;
                })
                .whenComplete((set, error) -> {
                    synchronized (this) {
                        inFlight = null;
                    }
                });
        inFlight = fetch.isDone() ? null : fetch;
        return fetch;
    }

    private JWKSet parse(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode());
        }
        try {
            JWKSet set = JWKSet.parse(response.body());
            keys = set;
            return set;
        } catch (ParseException e) {
            throw new IllegalStateException("not a JWK set: " + e.getMessage(), e);
        }
    }
}
