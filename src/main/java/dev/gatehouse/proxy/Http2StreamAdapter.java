package dev.gatehouse.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Makes an HTTP/2 stream's requests look like HTTP/1.1 ones to the proxy: a request that ended with its headers
 * (a GET) arrives as one message and is split into a head and an empty last chunk; the codec's own
 * {@code x-http2-*} headers are removed; a body without a length is streamed as chunked to HTTP/1.1 upstreams.
 */
public final class Http2StreamAdapter extends ChannelDuplexHandler {

    /** The end of the last response written, so that "flush, then close" waits until it is really out. */
    private @org.jspecify.annotations.Nullable ChannelFuture lastWrite;

    /**
     * The proxy's "flush, then close" writes an empty buffer, which means nothing on a stream: it completes at
     * once, after the frames written before it.
     */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf && !buf.isReadable()) {
            buf.release();
            ChannelFuture last = lastWrite;
            if (last == null || last.isDone()) {
                promise.setSuccess();
            } else {
                last.addListener(f -> promise.setSuccess());
            }
            return;
        }
        if (msg instanceof io.netty.handler.codec.http.LastHttpContent) {
            // only the end of a response needs watching (a promise per chunk would cost for nothing)
            ChannelPromise tracked = promise.unvoid();
            lastWrite = tracked;
            ctx.write(msg, tracked);
            return;
        }
        ctx.write(msg, promise);
    }

    /**
     * Closing a stream whose response is complete but whose request body is still coming: RST_STREAM with
     * NO_ERROR tells the client to stop sending and keep the response (RFC 9113, section 8.1), where a plain close
     * would say CANCEL.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
        if (stream.stream().state() == Http2Stream.State.HALF_CLOSED_LOCAL) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
        ctx.close(promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest full) {
            HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
                    full.headers().copy());
            clean(head.headers());
            DefaultLastHttpContent last = new DefaultLastHttpContent(full.content().retain());
            last.trailingHeaders().set(full.trailingHeaders());
            full.release();
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(last);
            return;
        }
        if (msg instanceof HttpRequest head) {
            clean(head.headers());
            if (!HttpUtil.isContentLengthSet(head)) {
                HttpUtil.setTransferEncodingChunked(head, true);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static void clean(HttpHeaders h) {
        h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.PATH.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text());
    }
}
