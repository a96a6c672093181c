package dev.gatehouse.plugins.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import dev.gatehouse.testing.Gateway;
import dev.gatehouse.testing.TestBackend;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * proxy-cache against an origin that sets each header case (RFC 9111): freshness, age, directives, Vary,
 * revalidation, conditionals, invalidation, stale serving, collapsing, keys, purges.
 */
class ProxyCacheTest {

    static TestBackend origin;
    static TestBackend flaky;
    static Gateway gw;
    static final String TOKEN = "cache-admin-token";

    @BeforeAll
    static void start() throws Exception {
        origin = new TestBackend("origin");
        flaky = new TestBackend("flaky");
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                admin: { address: "127.0.0.1:0", token: "%s" }
                services:
                  - { name: s, url: "http://%s", read_timeout: 5s }
                  - { name: flaky, url: "http://%s" }
                routes:
                  - name: cached
                    service: s
                    paths: ["/c/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                  - name: ttl
                    service: s
                    paths: ["/ttl/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                        config: { cache_control: false, default_ttl: 60s, status_header: X-Cache }
                  - name: heuristic
                    service: s
                    paths: ["/h/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                        config: { heuristic: true }
                  - name: keyed
                    service: s
                    paths: ["/k/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                        config:
                          max_object_size: 1k
                          cache_key: { query_params: [page, size], headers: [x-tenant] }
                  - name: compressed
                    service: s
                    paths: ["/z/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                      - name: compression
                  - name: flaky
                    service: flaky
                    paths: ["/f/"]
                    strip_path: false
                    plugins:
                      - name: proxy-cache
                access_log: { target: off }
                """.formatted(TOKEN, origin.address(), flaky.address()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        origin.close();
        flaky.close();
    }

    // ---- the origin

    interface Reply {
        void to(HttpExchange ex, int call) throws IOException;
    }

    /** Makes {@code path} answer with {@code reply}; returns its call counter. */
    static AtomicInteger origin(String path, Reply reply) {
        AtomicInteger calls = new AtomicInteger();
        origin.handle(path, ex -> {
            ex.getRequestBody().readAllBytes();
            reply.to(ex, calls.incrementAndGet());
        });
        return calls;
    }

    static void send(HttpExchange ex, int status, String body, String... headers) throws IOException {
        for (int i = 0; i < headers.length; i += 2) {
            ex.getResponseHeaders().add(headers[i], headers[i + 1]);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        boolean empty = status == 304 || status == 204 || ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, empty ? -1 : bytes.length);
        if (!empty) {
            ex.getResponseBody().write(bytes);
        }
        ex.close();
    }

    static String httpDate(long secondsFromNow) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC)
                .plusSeconds(secondsFromNow));
    }

    // ---- the client

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        return request("GET", path, headers);
    }

    static HttpResponse<String> request(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String cache(HttpResponse<?> r) {
        return r.headers().firstValue("x-cache-status").orElse(null);
    }

    static int age(HttpResponse<?> r) {
        return Integer.parseInt(r.headers().firstValue("age").orElse("-1"));
    }

    // ---- freshness and age (RFC 9111, section 4.2)

    @Test
    void maxAgeMakesAResponseFreshAndHitsCarryAnAge() throws Exception {
        AtomicInteger calls = origin("/c/max-age", (ex, n) -> send(ex, 200, "v" + n, "Cache-Control", "max-age=60"));
        HttpResponse<String> first = get("/c/max-age");
        assertThat(cache(first)).isEqualTo("MISS");
        HttpResponse<String> second = get("/c/max-age");
        assertThat(cache(second)).isEqualTo("HIT");
        assertThat(second.body()).isEqualTo("v1");
        assertThat(age(second)).isBetween(0, 2);
        assertThat(second.headers().firstValue("content-length")).hasValue("2");
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void sMaxAgeWinsOverMaxAgeInASharedCache() throws Exception {
        AtomicInteger calls = origin("/c/s-maxage", (ex, n) -> send(ex, 200, "v" + n,
                "Cache-Control", "max-age=0, s-maxage=60"));
        get("/c/s-maxage");
        assertThat(cache(get("/c/s-maxage"))).isEqualTo("HIT");
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void expiresIsMeasuredFromDateAndAnInvalidExpiresIsStale() throws Exception {
        AtomicInteger future = origin("/c/expires", (ex, n) -> send(ex, 200, "v" + n,
                "Date", httpDate(0), "Expires", httpDate(60)));
        get("/c/expires");
        assertThat(cache(get("/c/expires"))).isEqualTo("HIT");
        assertThat(future.get()).isEqualTo(1);
        AtomicInteger invalid = origin("/c/expires-0", (ex, n) -> send(ex, 200, "v" + n, "Expires", "0",
                "ETag", "\"e\""));
        get("/c/expires-0");
        assertThat(cache(get("/c/expires-0"))).isEqualTo("EXPIRED");
        assertThat(invalid.get()).isEqualTo(2);
    }

    @Test
    void anAgeFromAnotherCacheCountsAgainstTheLifetime() throws Exception {
        origin("/c/aged", (ex, n) -> send(ex, 200, "v" + n, "Cache-Control", "max-age=60", "Age", "30"));
        get("/c/aged");
        HttpResponse<String> hit = get("/c/aged");
        assertThat(cache(hit)).isEqualTo("HIT");
        assertThat(age(hit)).isBetween(30, 32);
        AtomicInteger old = origin("/c/too-old", (ex, n) -> send(ex, 200, "v" + n, "Cache-Control", "max-age=60",
                "Age", "100"));
        get("/c/too-old");
        get("/c/too-old");
        assertThat(old.get()).isEqualTo(2);
    }

    @Test
    void aResponseThatExpiresIsFetchedAgain() throws Exception {
        AtomicInteger calls = origin("/c/short", (ex, n) -> send(ex, 200, "v" + n, "Cache-Control", "max-age=1"));
        get("/c/short");
        Thread.sleep(2100);
        HttpResponse<String> after = get("/c/short");
        assertThat(after.body()).isEqualTo("v2");
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void heuristicFreshnessOnlyWhereEnabledAndAllowed() throws Exception {
        String lastModified = httpDate(-10 * 24 * 3600);
        AtomicInteger on = origin("/h/lm", (ex, n) -> send(ex, 200, "v" + n, "Last-Modified", lastModified));
        get("/h/lm");
        assertThat(cache(get("/h/lm"))).isEqualTo("HIT");
        assertThat(on.get()).isEqualTo(1);
        // the same origin on a route without heuristics: stored (it has a validator) but stale at once
        AtomicInteger off = origin("/c/lm", (ex, n) -> send(ex, 200, "v" + n, "Last-Modified", lastModified));
        get("/c/lm");
        get("/c/lm");
        assertThat(off.get()).isEqualTo(2);
    }

    @Test
    void defaultTtlWithCacheControlOffStoresWhatTheOriginDoesNotDescribe() throws Exception {
        AtomicInteger calls = origin("/ttl/plain", (ex, n) -> send(ex, 200, "v" + n));
        get("/ttl/plain");
        HttpResponse<String> hit = get("/ttl/plain");
        assertThat(hit.headers().firstValue("x-cache")).hasValue("HIT");
        assertThat(hit.headers().firstValue("x-cache-status")).isEmpty();
        assertThat(calls.get()).isEqualTo(1);
        AtomicInteger none = origin("/c/plain", (ex, n) -> send(ex, 200, "v" + n));
        get("/c/plain");
        get("/c/plain");
        assertThat(none.get()).as("no freshness, no validator, no default_ttl: not stored").isEqualTo(2);
    }

    // ---- what is stored (section 3)

    @Test
    void noStoreAndPrivateAreNeverStored() throws Exception {
        for (String cc : new String[] {"no-store, max-age=60", "private, max-age=60"}) {
            String path = "/c/" + cc.substring(0, cc.indexOf(','));
            AtomicInteger calls = origin(path, (ex, n) -> send(ex, 200, "v" + n, "Cache-Control", cc));
            get(path);
            assertThat(cache(get(path))).isEqualTo("MISS");
            assertThat(calls.get()).as(cc).isEqualTo(2);
        }
        AtomicInteger calls = origin("/c/req-no-store", (ex, n) -> send(ex, 200, "v" + n,
                "Cache-Control", "max-age=60"));
        HttpResponse<String> bypass = get("/c/req-no-store", "Cache-Control", "no-store");
        assertThat(cache(bypass)).isEqualTo("BYPASS");
        assertThat(cache(get("/c/req-no-store"))).isEqualTo("MISS");
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void statusCodesOutsideTheListAreNotStored() throws Exception {
        AtomicInteger notFound = origin("/c/404", (ex, n) -> send(ex, 404, "gone", "Cache-Control", "max-age=60"));
        get("/c/404");
        HttpResponse<String> hit = get("/c/404");
        assertThat(hit.statusCode()).isEqualTo(404);
        assertThat(cache(hit)).isEqualTo("HIT");
        assertThat(notFound.get()).isEqualTo(1);
        AtomicInteger error = origin("/c/500", (ex, n) -> send(ex, 500, "oops", "Cache-Control", "max-age=60"));
        get("/c/500");
        get("/c/500");
        assertThat(error.get()).isEqualTo(2);
    }

    @Test
    void requestsWithAuthorizationShareOnlyWhatTheResponseAllows() throws Exception {
        AtomicInteger plain = origin("/c/auth", (ex, n) -> send(ex, 200, "secret" + n, "Cache-Control",
                "max-age=60"));
        get("/c/auth", "Authorization", "Bearer a");
        HttpResponse<String> other = get("/c/auth", "Authorization", "Bearer b");
        assertThat(other.body()).isEqualTo("secret2");
        assertThat(plain.get()).isEqualTo(2);
        AtomicInteger shared = origin("/c/auth-public", (ex, n) -> send(ex, 200, "shared" + n,
                "Cache-Control", "public, max-age=60"));
        get("/c/auth-public", "Authorization", "Bearer a");
        HttpResponse<String> hit = get("/c/auth-public", "Authorization", "Bearer b");
        assertThat(cache(hit)).isEqualTo("HIT");
        assertThat(shared.get()).isEqualTo(1);
    }

    @Test
    void varyKeepsOneVariantPerRequestHeaderValueAndVaryStarIsNeverStored() throws Exception {
        AtomicInteger calls = origin("/c/vary", (ex, n) -> send(ex, 200,
                ex.getRequestHeaders().getFirst("Accept-Language") + n, "Cache-Control", "max-age=60",
                "Vary", "Accept-Language"));
        assertThat(get("/c/vary", "Accept-Language", "en").body()).isEqualTo("en1");
        assertThat(get("/c/vary", "Accept-Language", "fr").body()).isEqualTo("fr2");
        HttpResponse<String> en = get("/c/vary", "Accept-Language", "en");
        HttpResponse<String> fr = get("/c/vary", "Accept-Language", "fr");
        assertThat(en.body()).isEqualTo("en1");
        assertThat(fr.body()).isEqualTo("fr2");
        assertThat(cache(en)).isEqualTo("HIT");
        assertThat(calls.get()).isEqualTo(2);
        AtomicInteger star = origin("/c/vary-star", (ex, n) -> send(ex, 200, "v" + n, "Cache-Control",
                "max-age=60", "Vary", "*"));
        get("/c/vary-star");
        get("/c/vary-star");
        assertThat(star.get()).isEqualTo(2);
    }

    @Test
    void objectsOverTheSizeLimitPassThrough() throws Exception {
        String big = "x".repeat(4096);
        AtomicInteger calls = origin("/k/big", (ex, n) -> send(ex, 200, big, "Cache-Control", "max-age=60"));
        assertThat(get("/k/big").body()).isEqualTo(big);
        assertThat(get("/k/big").body()).isEqualTo(big);
        assertThat(calls.get()).isEqualTo(2);
    }

    // ---- validation (section 4.3)

    @Test
    void noCacheResponsesAreRevalidatedWithETagAndTheStoredBodyAnswers() throws Exception {
        List<String> conditions = new ArrayList<>();
        AtomicInteger calls = origin("/c/etag", (ex, n) -> {
            String inm = ex.getRequestHeaders().getFirst("If-None-Match");
            conditions.add(String.valueOf(inm));
            if ("\"v1\"".equals(inm)) {
                send(ex, 304, "", "ETag", "\"v1\"", "Cache-Control", "no-cache", "X-Revalidated", "yes");
            } else {
                send(ex, 200, "body-v1", "ETag", "\"v1\"", "Cache-Control", "no-cache");
            }
        });
        assertThat(cache(get("/c/etag"))).isEqualTo("MISS");
        HttpResponse<String> again = get("/c/etag");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo("body-v1");
        assertThat(cache(again)).isEqualTo("REVALIDATED");
        assertThat(again.headers().firstValue("x-revalidated")).as("the 304's headers update the stored ones")
                .hasValue("yes");
        assertThat(conditions).containsExactly("null", "\"v1\"");
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void lastModifiedIsRevalidatedWithIfModifiedSince() throws Exception {
        String lastModified = httpDate(-3600);
        List<String> conditions = new ArrayList<>();
        origin("/c/lm-revalidate", (ex, n) -> {
            String ims = ex.getRequestHeaders().getFirst("If-Modified-Since");
            conditions.add(String.valueOf(ims));
            if (lastModified.equals(ims)) {
                send(ex, 304, "", "Cache-Control", "max-age=60");
            } else {
                send(ex, 200, "lm-body", "Last-Modified", lastModified, "Cache-Control", "max-age=0");
            }
        });
        get("/c/lm-revalidate");
        HttpResponse<String> revalidated = get("/c/lm-revalidate");
        assertThat(revalidated.body()).isEqualTo("lm-body");
        assertThat(cache(revalidated)).isEqualTo("REVALIDATED");
        // the 304 said max-age=60: the entry is fresh now
        assertThat(cache(get("/c/lm-revalidate"))).isEqualTo("HIT");
        assertThat(conditions).containsExactly("null", lastModified);
    }

    @Test
    void clientConditionalRequestsAreAnsweredFromTheCacheWith304() throws Exception {
        String lastModified = httpDate(-3600);
        AtomicInteger calls = origin("/c/conditional", (ex, n) -> send(ex, 200, "full", "ETag", "\"abc\"",
                "Last-Modified", lastModified, "Cache-Control", "max-age=60"));
        get("/c/conditional");
        HttpResponse<String> byTag = get("/c/conditional", "If-None-Match", "\"zzz\", W/\"abc\"");
        assertThat(byTag.statusCode()).isEqualTo(304);
        assertThat(byTag.body()).isEmpty();
        assertThat(byTag.headers().firstValue("etag")).hasValue("\"abc\"");
        HttpResponse<String> byDate = get("/c/conditional", "If-Modified-Since", httpDate(0));
        assertThat(byDate.statusCode()).isEqualTo(304);
        HttpResponse<String> changed = get("/c/conditional", "If-None-Match", "\"other\"");
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(changed.body()).isEqualTo("full");
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void requestNoCacheRevalidatesAndOnlyIfCachedNeverGoesUpstream() throws Exception {
        AtomicInteger calls = origin("/c/req-no-cache", (ex, n) -> send(ex, 200, "v" + n,
                "Cache-Control", "max-age=60"));
        get("/c/req-no-cache");
        HttpResponse<String> forced = get("/c/req-no-cache", "Cache-Control", "no-cache");
        assertThat(forced.body()).isEqualTo("v2");
        assertThat(cache(forced)).isEqualTo("EXPIRED");
        assertThat(get("/c/req-no-cache").body()).isEqualTo("v2");
        assertThat(calls.get()).isEqualTo(2);
        assertThat(get("/c/never-fetched", "Cache-Control", "only-if-cached").statusCode()).isEqualTo(504);
    }

    // ---- stale responses

    @Test
    void mustRevalidateProxyRevalidateAndSMaxAgeForbidStaleServingOnError() throws Exception {
        String[] directives = {"max-age=1, must-revalidate", "max-age=1, proxy-revalidate", "s-maxage=1"};
        List<AtomicInteger> counters = new ArrayList<>();
        for (int i = 0; i < directives.length; i++) {
            String cc = directives[i] + ", stale-if-error=60";
            counters.add(origin("/c/must" + i, (ex, n) -> {
                if (n == 1) {
                    send(ex, 200, "v1", "Cache-Control", cc, "ETag", "\"m\"");
                } else {
                    send(ex, 503, "down");
                }
            }));
            get("/c/must" + i);
        }
        Thread.sleep(2100);
        for (int i = 0; i < directives.length; i++) {
            HttpResponse<String> after = get("/c/must" + i);
            assertThat(after.statusCode()).as(directives[i]).isEqualTo(503);
            assertThat(counters.get(i).get()).isEqualTo(2);
        }
    }

    @Test
    void staleIfErrorServesTheStoredResponseWhenTheOriginFails() throws Exception {
        origin("/c/sie", (ex, n) -> {
            if (n == 1) {
                send(ex, 200, "good", "Cache-Control", "max-age=1, stale-if-error=60");
            } else {
                send(ex, 503, "down");
            }
        });
        get("/c/sie");
        Thread.sleep(2100);
        HttpResponse<String> stale = get("/c/sie");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo("good");
        assertThat(cache(stale)).isEqualTo("STALE");
        assertThat(age(stale)).isGreaterThanOrEqualTo(2);
    }

    @Test
    void staleIfErrorServesTheStoredResponseWhenTheOriginIsUnreachable() throws Exception {
        flaky.handle("/f/doc", ex -> send(ex, 200, "kept", "Cache-Control", "max-age=1, stale-if-error=60"));
        get("/f/doc");
        flaky.stop(0);
        Thread.sleep(2100);
        HttpResponse<String> stale = get("/f/doc");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo("kept");
        assertThat(cache(stale)).isEqualTo("STALE");
        assertThat(get("/f/never-stored").statusCode()).isEqualTo(502);
    }

    @Test
    void staleWhileRevalidateAnswersAtOnceAndRefreshesInTheBackground() throws Exception {
        AtomicInteger calls = origin("/c/swr", (ex, n) -> {
            if (n > 1) {
                sleep(800);
            }
            // the refreshed copy stays fresh for the rest of the test
            send(ex, 200, "v" + n, "Cache-Control", (n == 1 ? "max-age=1" : "max-age=60")
                    + ", stale-while-revalidate=60");
        });
        get("/c/swr");
        Thread.sleep(2100);
        long start = System.nanoTime();
        HttpResponse<String> stale = get("/c/swr");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(stale.body()).isEqualTo("v1");
        assertThat(cache(stale)).isEqualTo("STALE");
        assertThat(tookMs).as("not held for the slow refresh").isLessThan(700);
        // a new connection while the refresh runs: still the stale one, no second refresh
        HttpResponse<String> during = newClient().send(HttpRequest.newBuilder(gw.uri("/c/swr")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(during.body()).isEqualTo("v1");
        Thread.sleep(1200);
        HttpResponse<String> refreshed = get("/c/swr");
        assertThat(refreshed.body()).isEqualTo("v2");
        assertThat(cache(refreshed)).isEqualTo("HIT");
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void staleWhileRevalidateRefreshesBehindAnHttp2Stream() throws Exception {
        AtomicInteger calls = origin("/c/swr-h2", (ex, n) -> {
            if (n > 1) {
                sleep(500);
            }
            send(ex, 200, "v" + n, "Cache-Control", (n == 1 ? "max-age=1" : "max-age=60")
                    + ", stale-while-revalidate=60");
        });
        assertThat(h2("/c/swr-h2")).isEqualTo("200 MISS v1");
        Thread.sleep(2100);
        // the stream closes once the stale answer is sent; the refresh behind it goes on
        assertThat(h2("/c/swr-h2")).isEqualTo("200 STALE v1");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> h2("/c/swr-h2").equals("200 HIT v2"));
        assertThat(calls.get()).isEqualTo(2);
    }

    /** A GET over h2c (prior knowledge) with curl: "status cache-status body". */
    static String h2(String path) throws Exception {
        Process curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-D", "-", "--max-time", "10",
                "http://127.0.0.1:" + gw.port() + path).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        curl.waitFor();
        String status = out.lines().findFirst().orElse("").replace("HTTP/2 ", "").trim();
        String cacheStatus = out.lines().filter(l -> l.toLowerCase().startsWith("x-cache-status:"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("-");
        String body = out.substring(out.indexOf("\r\n\r\n") + 4);
        return status + " " + cacheStatus + " " + body;
    }

    // ---- invalidation (section 4.4)

    @Test
    void unsafeMethodsInvalidateTheTargetAndItsLocation() throws Exception {
        AtomicInteger list = origin("/c/items", (ex, n) -> {
            if (ex.getRequestMethod().equals("POST")) {
                send(ex, 201, "created", "Location", "/c/items/1");
            } else if (ex.getRequestURI().getPath().equals("/c/items/1")) {
                send(ex, 200, "item" + n, "Cache-Control", "max-age=60");
            } else {
                send(ex, 200, "list" + n, "Cache-Control", "max-age=60");
            }
        });
        get("/c/items");
        get("/c/items/1");
        assertThat(cache(get("/c/items"))).isEqualTo("HIT");
        assertThat(cache(get("/c/items/1"))).isEqualTo("HIT");
        assertThat(request("POST", "/c/items").statusCode()).isEqualTo(201);
        assertThat(cache(get("/c/items"))).isEqualTo("MISS");
        assertThat(cache(get("/c/items/1"))).isEqualTo("MISS");
        assertThat(list.get()).isEqualTo(5);
        // a failed unsafe request invalidates nothing
        origin("/c/doc", (ex, n) -> {
            if (ex.getRequestMethod().equals("DELETE")) {
                send(ex, 409, "conflict");
            } else if (ex.getRequestMethod().equals("PUT")) {
                send(ex, 204, "", "Content-Location", "http://127.0.0.1:" + gw.port() + "/c/doc/latest");
            } else {
                send(ex, 200, "doc" + n, "Cache-Control", "max-age=60");
            }
        });
        get("/c/doc/latest");
        assertThat(request("DELETE", "/c/doc/latest").statusCode()).isEqualTo(409);
        assertThat(cache(get("/c/doc/latest"))).isEqualTo("HIT");
        // Content-Location (absolute, same host) is invalidated too
        assertThat(request("PUT", "/c/doc/v2").statusCode()).isEqualTo(204);
        assertThat(cache(get("/c/doc/latest"))).isEqualTo("MISS");
    }

    // ---- keys, HEAD, collapsing

    @Test
    void keysSortTheChosenQueryParametersAndIncludeChosenHeaders() throws Exception {
        AtomicInteger calls = origin("/k/list", (ex, n) -> send(ex, 200, "v" + n, "Cache-Control", "max-age=60"));
        get("/k/list?size=10&page=2&utm=a");
        assertThat(cache(get("/k/list?page=2&size=10&utm=b"))).isEqualTo("HIT");
        assertThat(cache(get("/k/list?page=3&size=10"))).isEqualTo("MISS");
        assertThat(cache(get("/k/list?page=2&size=10", "X-Tenant", "other"))).isEqualTo("MISS");
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void headIsAnsweredFromTheStoredGet() throws Exception {
        AtomicInteger calls = origin("/c/head", (ex, n) -> send(ex, 200, "body", "Cache-Control", "max-age=60"));
        get("/c/head");
        HttpResponse<String> head = request("HEAD", "/c/head");
        assertThat(cache(head)).isEqualTo("HIT");
        assertThat(head.headers().firstValue("content-length")).hasValue("4");
        assertThat(head.body()).isEmpty();
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void concurrentMissesOfOneKeyMakeOneUpstreamRequest() throws Exception {
        AtomicInteger calls = origin("/c/collapse", (ex, n) -> {
            sleep(400);
            send(ex, 200, "v" + n, "Cache-Control", "max-age=60");
        });
        int clients = 10;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Callable<HttpResponse<String>>> tasks = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                HttpClient own = newClient();
                tasks.add(() -> own.send(HttpRequest.newBuilder(gw.uri("/c/collapse")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            List<String> bodies = new ArrayList<>();
            for (Future<HttpResponse<String>> f : pool.invokeAll(tasks)) {
                bodies.add(f.get().body());
            }
            assertThat(bodies).containsOnly("v1");
            assertThat(calls.get()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- compression in front of the cache

    @Test
    void eachEncodingIsStoredAsItsOwnVariant() throws Exception {
        String json = "{\"items\":[" + "{\"a\":1},".repeat(300) + "{\"a\":2}]}";
        AtomicInteger calls = origin("/z/data", (ex, n) -> send(ex, 200, json, "Content-Type", "application/json",
                "Cache-Control", "max-age=60"));
        HttpClient client = gw.client();
        HttpResponse<byte[]> gz = client.send(HttpRequest.newBuilder(gw.uri("/z/data"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> gzHit = client.send(HttpRequest.newBuilder(gw.uri("/z/data"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<String> identity = get("/z/data");
        HttpResponse<String> identityHit = get("/z/data");
        assertThat(gzHit.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(cache(gzHit)).isEqualTo("HIT");
        assertThat(new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzHit.body()))
                .readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(identity.headers().firstValue("content-encoding")).isEmpty();
        assertThat(cache(identityHit)).isEqualTo("HIT");
        assertThat(identityHit.body()).isEqualTo(json);
        assertThat(gz.statusCode()).isEqualTo(200);
        assertThat(calls.get()).isEqualTo(2);
    }

    // ---- purges and metrics

    @Test
    void purgesByKeyUrlAndPrefixThroughTheAdminApi() throws Exception {
        AtomicInteger calls = origin("/c/purge", (ex, n) -> send(ex, 200, "v" + n, "Cache-Control", "max-age=60"));
        get("/c/purge/a");
        get("/c/purge/b");
        get("/c/purge/c");
        // keys start with the URL as the gateway saw it (scheme, host without port, path)
        assertThat(purge("{\"url\":\"http://127.0.0.1/c/purge/a\"}")).isEqualTo(1);
        assertThat(cache(get("/c/purge/a"))).isEqualTo("MISS");
        assertThat(purge("{\"key\":\"http://127.0.0.1/c/purge/b#GET\"}")).isEqualTo(1);
        assertThat(cache(get("/c/purge/b"))).isEqualTo("MISS");
        assertThat(purge("{\"prefix\":\"http://127.0.0.1/c/purge/\"}")).isEqualTo(3);
        assertThat(cache(get("/c/purge/c"))).isEqualTo("MISS");
        assertThat(calls.get()).isEqualTo(6);
        HttpResponse<String> bad = admin("POST", "/cache/purge", "{\"key\":\"a\",\"url\":\"b\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        HttpResponse<String> list = admin("GET", "/cache", null);
        var caches = new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.body()).get("data");
        assertThat(caches.findValuesAsText("name")).contains("route:cached", "route:keyed");
        assertThat(caches.get(0).get("hits").asLong()).isPositive();
        assertThat(caches.get(0).get("stored_bytes").asLong()).isPositive();
        HttpResponse<String> metrics = admin("GET", "/metrics", null);
        assertThat(metrics.body()).contains("gatehouse_cache_hits_total").contains("gatehouse_cache_stored_bytes");
    }

    static int purge(String body) throws Exception {
        HttpResponse<String> r = admin("POST", "/cache/purge", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("purged").asInt();
    }

    static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                + gw.instance().adminPort("admin") + path)).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return gw.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
