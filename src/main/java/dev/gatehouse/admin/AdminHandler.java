package dev.gatehouse.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each admin request to the admin thread (writes compile snapshots, which must not run on an event loop) and
 * writes its answer back on the connection's loop.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminApi api;
    private final Executor adminThread;

    AdminHandler(AdminApi api, Executor adminThread) {
        this.api = api;
        this.adminThread = adminThread;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, AdminResponse.message(400, "malformed request"), false);
            return;
        }
        AdminRequest r = AdminRequest.of(request.method().name(), request.uri(),
                request.headers().get(HttpHeaderNames.AUTHORIZATION), request.headers().get(
                        HttpHeaderNames.CONTENT_TYPE), ByteBufUtil.getBytes(request.content()));
        try {
            adminThread.execute(() -> {
                AdminResponse response;
                try {
                    response = api.handle(r);
                } catch (RuntimeException e) {
                    LOG.error("admin {} {} failed", r.method(), r.path(), e);
                    response = AdminResponse.message(500, "internal error: " + e);
                }
                AdminResponse answer = response;
                ctx.channel().eventLoop().execute(() -> write(ctx, answer, keepAlive));
            });
        } catch (RejectedExecutionException stopping) {
            write(ctx, AdminResponse.message(503, "shutting down"), false);
        }
    }

    private static void write(ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("admin connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
