package dev.gatehouse.boot.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A small real HTTP server for demos ({@code gatehouse run --demo-backend}): it answers every request with a
 * JSON description of what it received, so the quick start shows the proxy's work (path rewriting, forwarded
 * headers). Not part of the data plane.
 */
public final class EchoBackend {

    private static final int MAX_BODY = 1024 * 1024;

    private EchoBackend() {
    }

    public static Channel start(EventLoopGroup group, Class<? extends ServerChannel> channelClass,
            InetSocketAddress address) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY), new Echo());
                    }
                })
                .bind(address).sync().channel();
    }

    private static final class Echo extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            StringBuilder sb = new StringBuilder("{\n  \"service\": \"gatehouse demo echo backend\",\n");
            sb.append("  \"method\": ").append(quote(req.method().name())).append(",\n");
            sb.append("  \"uri\": ").append(quote(req.uri())).append(",\n");
            sb.append("  \"headers\": {");
            boolean first = true;
            for (Map.Entry<String, String> h : req.headers()) {
                sb.append(first ? "\n" : ",\n").append("    ").append(quote(h.getKey().toLowerCase()))
                        .append(": ").append(quote(h.getValue()));
                first = false;
            }
            sb.append("\n  },\n  \"body_bytes\": ").append(req.content().readableBytes()).append("\n}\n");
            ByteBuf body = ctx.alloc().buffer().writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static String quote(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(' ');
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }
    }
}
