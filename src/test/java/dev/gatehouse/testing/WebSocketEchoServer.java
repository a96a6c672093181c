package dev.gatehouse.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WebSocket server for tests (Netty's codec): echoes text and binary messages; a text message {@code close:N}
 * makes it close with code N; it records the close codes clients send.
 */
public final class WebSocketEchoServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final List<String> handshakeHeaders = new CopyOnWriteArrayList<>();

    public WebSocketEchoServer() throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new io.netty.channel.ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof io.netty.handler.codec.http.HttpRequest r) {
                                            handshakeHeaders.add(r.headers().get("x-forwarded-for", "-"));
                                        }
                                        ctx.fireChannelRead(msg);
                                    }
                                },
                                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                        .websocketPath("/ws").checkStartsWith(true).handleCloseFrames(false)
                                        .decoderConfig(io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig
                                                .newBuilder().maxFramePayloadLength(4 << 20).build())
                                        .build()),
                                new WebSocketFrameAggregator(4 << 20), new Echo());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public List<Integer> closeCodes() {
        return closeCodes;
    }

    /** The X-Forwarded-For of each handshake, as the server saw it. */
    public List<String> handshakeForwardedFor() {
        return handshakeHeaders;
    }

    private final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                closeCodes.add(close.statusCode());
                ctx.writeAndFlush(close.retainedDuplicate()).addListener(f -> ctx.close());
            } else if (frame instanceof TextWebSocketFrame text && text.text().startsWith("close:")) {
                int code = Integer.parseInt(text.text().substring(6));
                ctx.writeAndFlush(new CloseWebSocketFrame(code, "bye")).addListener(f -> ctx.close());
            } else if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                ctx.writeAndFlush(frame.retainedDuplicate());
            }
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
