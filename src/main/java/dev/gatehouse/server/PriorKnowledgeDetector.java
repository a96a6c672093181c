package dev.gatehouse.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;
import java.util.function.Consumer;

/**
 * On a plain listener: looks at the first bytes of a connection and hands it to HTTP/2 when they are the client
 * connection preface (h2c with prior knowledge), to HTTP/1.1 as soon as they cannot be; then steps aside, passing on
 * what it read.
 */
final class PriorKnowledgeDetector extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Consumer<ChannelHandlerContext> http1;
    private final Consumer<ChannelHandlerContext> http2;

    PriorKnowledgeDetector(Consumer<ChannelHandlerContext> http1, Consumer<ChannelHandlerContext> http2) {
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(i)) {
                http1.accept(ctx);
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (n == PREFACE.readableBytes()) {
            http2.accept(ctx);
            ctx.pipeline().remove(this);
        }
        // a prefix of the preface so far: wait for more (the decoder asks for the next read)
    }
}
