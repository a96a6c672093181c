package dev.gatehouse.plugins.compression;

import dev.gatehouse.plugin.api.BasePluginFactory;
import dev.gatehouse.plugin.api.Plugin;
import dev.gatehouse.plugin.api.PluginExchange;
import dev.gatehouse.plugin.api.Stage;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * {@code compression}: compresses response bodies with the best coding the client accepts (gzip, brotli, zstd),
 * streaming, and optionally decompresses an upstream's coding for clients that do not accept it (nginx's
 * {@code gzip} and {@code gunzip}). It runs in the cache stage below {@code proxy-cache}, so on the way back it acts
 * before the cache and a cache stores each encoded variant apart (the {@code Vary: Accept-Encoding} it sets).
 */
public final class CompressionPlugin implements Plugin {

    /**
     * @param encodings the codings offered, most preferred first (ties between equal q-values go to the first)
     * @param minLength bodies shorter than this (by {@code Content-Length}) are sent as they are
     * @param contentTypes media types to compress; {@code type/*} and {@code application/*+json} forms allowed
     * @param gzipLevel 1 (fast) to 9 (small)
     * @param brotliQuality 0 to 11
     * @param zstdLevel 1 to 22
     * @param decompress decode an upstream's gzip, deflate, br or zstd body for a client that does not accept it
     */
    public record Config(List<String> encodings, long minLength, List<String> contentTypes, int gzipLevel,
            int brotliQuality, int zstdLevel, boolean decompress) {
        public static final Config DEFAULTS = new Config(List.of("zstd", "br", "gzip"), 1024,
                List.of("text/plain", "text/html", "text/css", "text/csv", "text/xml", "text/javascript",
                        "text/markdown", "application/json", "application/*+json", "application/javascript",
                        "application/x-javascript", "application/xml", "application/*+xml", "image/svg+xml"),
                6, 4, 3, false);
    }

    private final Config config;
    private final List<ContentCoding> offered;

    private CompressionPlugin(Config config, List<ContentCoding> offered) {
        this.config = config;
        this.offered = offered;
    }

    @Override
    public void onResponseHeaders(PluginExchange exchange, HttpResponse response) {
        HttpHeaders h = response.headers();
        String accept = exchange.requestHeaders().get(HttpHeaderNames.ACCEPT_ENCODING);
        String current = h.get(HttpHeaderNames.CONTENT_ENCODING);
        if (current != null && !"identity".equalsIgnoreCase(current.trim())) {
            if (config.decompress()) {
                decompress(exchange, response, current, accept);
            }
            return;
        }
        if (!transformable(response) || !typeMatches(h.get(HttpHeaderNames.CONTENT_TYPE))) {
            return;
        }
        long length = HttpUtil.getContentLength(response, -1L);
        if (length >= 0 && length < config.minLength()) {
            return;
        }
        addVary(h);
        ContentCoding coding = AcceptEncoding.choose(accept, offered);
        if (coding == null) {
            return;
        }
        h.set(HttpHeaderNames.CONTENT_ENCODING, coding.token);
        changedBody(h);
        if (!"HEAD".equals(exchange.method())) {
            exchange.transformResponseBody(CodecTransformer.encoder(coding.encoder(level(coding))));
        }
    }

    private void decompress(PluginExchange exchange, HttpResponse response, String current,
            @Nullable String accept) {
        ContentCoding coding = ContentCoding.of(current);
        if (coding == null || AcceptEncoding.accepts(accept, coding) || !transformable(response)) {
            return;
        }
        HttpHeaders h = response.headers();
        h.remove(HttpHeaderNames.CONTENT_ENCODING);
        changedBody(h);
        addVary(h);
        if (!"HEAD".equals(exchange.method())) {
            exchange.transformResponseBody(CodecTransformer.decoder(coding.decoder()));
        }
    }

    /** Not a body to touch: none (1xx, 204, 304), a range, or the origin forbids transformation. */
    private static boolean transformable(HttpResponse response) {
        int status = response.status().code();
        if (status < 200 || status == 204 || status == 206 || status == 304) {
            return false;
        }
        HttpHeaders h = response.headers();
        if (h.contains(HttpHeaderNames.CONTENT_RANGE)) {
            return false;
        }
        for (String cc : h.getAll(HttpHeaderNames.CACHE_CONTROL)) {
            if (cc.toLowerCase(Locale.ROOT).contains("no-transform")) {
                return false;
            }
        }
        return true;
    }

    /** The headers that describe the exact bytes no longer do: length and ranges go, a strong ETag turns weak. */
    private static void changedBody(HttpHeaders h) {
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        h.remove(HttpHeaderNames.ACCEPT_RANGES);
        String etag = h.get(HttpHeaderNames.ETAG);
        if (etag != null && etag.startsWith("\"")) {
            h.set(HttpHeaderNames.ETAG, "W/" + etag);
        }
    }

    private static void addVary(HttpHeaders h) {
        for (String vary : h.getAll(HttpHeaderNames.VARY)) {
            for (String field : vary.split(",")) {
                String f = field.trim();
                if ("*".equals(f) || "accept-encoding".equalsIgnoreCase(f)) {
                    return;
                }
            }
        }
        h.add(HttpHeaderNames.VARY, "Accept-Encoding");
    }

    private boolean typeMatches(@Nullable String contentType) {
        if (contentType == null) {
            return false;
        }
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        for (String pattern : config.contentTypes()) {
            if (matches(pattern, type)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(String pattern, String type) {
        int star = pattern.indexOf('*');
        if (star < 0) {
            return pattern.equals(type);
        }
        return type.length() >= pattern.length() - 1 && type.startsWith(pattern.substring(0, star))
                && type.endsWith(pattern.substring(star + 1));
    }

    private int level(ContentCoding coding) {
        return switch (coding) {
            case GZIP -> config.gzipLevel();
            case BR -> config.brotliQuality();
            default -> config.zstdLevel();
        };
    }

    /** Registers the plugin. */
    public static final class Factory extends BasePluginFactory<Config> {
        public Factory() {
            super("compression", Config.class, Stage.CACHE, 50);
        }

        @Override
        public Plugin create(Config config) {
            List<ContentCoding> offered = new ArrayList<>();
            for (String name : config.encodings()) {
                ContentCoding coding = ContentCoding.of(name);
                if (coding == null || coding == ContentCoding.DEFLATE) {
                    throw new IllegalArgumentException("encodings: '" + name + "' is not one of gzip, br, zstd");
                }
                if (!offered.contains(coding)) {
                    offered.add(coding);
                }
            }
            if (offered.isEmpty()) {
                throw new IllegalArgumentException("encodings: name at least one of gzip, br, zstd");
            }
            check("gzip_level", config.gzipLevel(), 1, 9);
            check("brotli_quality", config.brotliQuality(), 0, 11);
            check("zstd_level", config.zstdLevel(), 1, 22);
            if (config.minLength() < 0) {
                throw new IllegalArgumentException("min_length: must not be negative");
            }
            for (String type : config.contentTypes()) {
                if (type.indexOf('*') != type.lastIndexOf('*') || !type.contains("/")) {
                    throw new IllegalArgumentException("content_types: '" + type
                            + "' is not a media type (type/subtype, with at most one *)");
                }
            }
            List<String> types = config.contentTypes().stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
            return new CompressionPlugin(new Config(config.encodings(), config.minLength(), types,
                    config.gzipLevel(), config.brotliQuality(), config.zstdLevel(), config.decompress()),
                    List.copyOf(offered));
        }

        private static void check(String key, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(key + ": " + value + " is outside " + min + ".." + max);
            }
        }
    }
}
