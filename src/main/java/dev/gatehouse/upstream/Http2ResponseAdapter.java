package dev.gatehouse.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * On an HTTP/2 upstream stream: removes the codec's {@code x-http2-*} headers from responses, so they look like
 * an HTTP/1.1 upstream's. A response that ended with its headers (gRPC's "trailers-only") stays one message.
 */
final class Http2ResponseAdapter extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof io.netty.handler.codec.http.HttpResponse response) {
            response.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            response.headers().remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        }
        if (msg instanceof FullHttpResponse full) {
            full.trailingHeaders().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        }
        ctx.fireChannelRead(msg);
    }
}
