package dev.gatehouse.plugins.compression;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.compression.BrotliDecoder;
import io.netty.handler.codec.compression.BrotliEncoder;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.compression.ZstdDecoder;
import io.netty.handler.codec.compression.ZstdEncoder;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The content codings the gateway speaks, with Netty's streaming codecs for each. */
enum ContentCoding {
    GZIP("gzip"),
    BR("br"),
    ZSTD("zstd"),
    /** Decoded only (for {@code decompress}); never produced: its two incompatible variants make it a poor choice. */
    DEFLATE("deflate");

    final String token;

    ContentCoding(String token) {
        this.token = token;
    }

    /** The coding a {@code Content-Encoding} or configuration token names, or null. */
    static @Nullable ContentCoding of(String token) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        for (ContentCoding c : values()) {
            if (c.token.equals(t)) {
                return c;
            }
        }
        return "x-gzip".equals(t) ? GZIP : null;
    }

    /** A new encoder at {@code level} (gzip 1-9, brotli quality 0-11, zstd level 1-22). */
    ChannelHandler encoder(int level) {
        return switch (this) {
            case GZIP -> ZlibCodecFactory.newZlibEncoder(ZlibWrapper.GZIP, level);
            case BR -> new BrotliEncoder(StandardCompressionOptions.brotli(level, 22,
                    io.netty.handler.codec.compression.BrotliMode.TEXT));
            case ZSTD -> new ZstdEncoder(level);
            case DEFLATE -> throw new IllegalStateException("deflate is decoded only");
        };
    }

    ChannelHandler decoder() {
        return switch (this) {
            case GZIP -> ZlibCodecFactory.newZlibDecoder(ZlibWrapper.GZIP, 0);
            case DEFLATE -> ZlibCodecFactory.newZlibDecoder(ZlibWrapper.ZLIB_OR_NONE, 0);
            case BR -> new BrotliDecoder();
            case ZSTD -> new ZstdDecoder();
        };
    }
}
