package dev.gatehouse.plugins.compression;

import dev.gatehouse.plugin.api.BodyTransformer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Streams a body through one of Netty's compression codecs, chunk by chunk (as Netty's own HttpContentEncoder
 * does): what a chunk produces goes out with it, the codec's end (a gzip trailer, a last brotli block) with the
 * last chunk. Nothing is held but the codec's own window.
 */
final class CodecTransformer implements BodyTransformer {

    private final EmbeddedChannel codec;
    private final boolean encoding;
    private boolean closed;

    private CodecTransformer(ChannelHandler handler, boolean encoding) {
        this.codec = new EmbeddedChannel(handler);
        this.encoding = encoding;
    }

    static CodecTransformer encoder(ChannelHandler encoder) {
        return new CodecTransformer(encoder, true);
    }

    static CodecTransformer decoder(ChannelHandler decoder) {
        return new CodecTransformer(decoder, false);
    }

    @Override
    public ByteBuf transform(ByteBuf chunk, boolean last) {
        if (chunk.isReadable()) {
            if (encoding) {
                codec.writeOutbound(chunk);
            } else {
                codec.writeInbound(chunk);
            }
        } else {
            chunk.release();
        }
        if (last) {
            closed = true;
            codec.finish();
        }
        return drain();
    }

    private ByteBuf drain() {
        CompositeByteBuf out = null;
        ByteBuf single = null;
        ByteBuf b;
        while ((b = encoding ? codec.readOutbound() : codec.readInbound()) != null) {
            if (!b.isReadable()) {
                b.release();
            } else if (single == null) {
                single = b;
            } else {
                if (out == null) {
                    out = b.alloc().compositeBuffer(16);
                    out.addComponent(true, single);
                }
                out.addComponent(true, b);
            }
        }
        return out != null ? out : single != null ? single : Unpooled.EMPTY_BUFFER;
    }

    @Override
    public void abandon() {
        if (!closed) {
            closed = true;
            codec.finishAndReleaseAll();
        }
    }
}
