package dev.gatehouse.upstream;

import dev.gatehouse.config.model.UpstreamSpec.ActiveSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of one upstream: every target is probed each interval (a TCP connect, or an HTTP GET
 * whose status must be expected) on an event loop, never blocking it. Targets' first probes are spread evenly
 * over the interval, with jitter, so that checks never arrive together. The verdict lives in each target's
 * {@link EndpointState}, so it survives reloads; a new snapshot starts a new checker and stops the old one.
 */
public final class ActiveHealthChecker {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveHealthChecker.class);

    private final UpstreamGroup group;
    private final ActiveSpec spec;
    private final EventLoopGroup loops;
    private final Class<? extends Channel> channelClass;
    private final EndpointRegistry registry;
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
    private volatile boolean stopped;

    public ActiveHealthChecker(UpstreamGroup group, ActiveSpec spec, EventLoopGroup loops,
            Class<? extends Channel> channelClass, EndpointRegistry registry) {
        this.group = group;
        this.spec = spec;
        this.loops = loops;
        this.channelClass = channelClass;
        this.registry = registry;
    }

    /** Schedules the probes: target i of n first at i/n of the interval, plus up to 1/n of jitter. */
    public synchronized void start() {
        long interval = spec.interval().toNanos();
        List<Endpoint> endpoints = group.endpoints();
        int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get(i);
            EventLoop loop = loops.next();
            long offset = interval * i / n + ThreadLocalRandom.current().nextLong(Math.max(1, interval / n));
            scheduled.add(loop.scheduleAtFixedRate(() -> probe(e, loop), offset, interval, TimeUnit.NANOSECONDS));
        }
    }

    public synchronized void stop() {
        stopped = true;
        for (ScheduledFuture<?> f : scheduled) {
            f.cancel(false);
        }
        scheduled.clear();
    }

    private void probe(Endpoint e, EventLoop loop) {
        if (stopped) {
            return;
        }
        int timeoutMs = (int) Math.max(1, spec.timeout().toMillis());
        Bootstrap b = new Bootstrap().group(loop).channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMs)
                .option(ChannelOption.TCP_NODELAY, true);
        Probe probe = new Probe(e);
        b.handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (spec.http()) {
                    if (group.tls() != null) {
                        ch.pipeline().addLast(group.tls().newHandler(ch.alloc(), e.authority(), e.address().getPort()));
                    }
                    ch.pipeline().addLast(new HttpClientCodec(), probe);
                }
            }
        });
        ChannelFuture f = b.connect(e.address());
        f.addListener(done -> {
            if (!f.isSuccess()) {
                probe.finish(false, "connect failed: " + f.cause().getMessage());
            } else if (!spec.http()) {
                probe.finish(true, "tcp connect ok");
                f.channel().close();
            } else {
                probe.channel = f.channel();
                f.channel().writeAndFlush(request(e));
            }
        });
        loop.schedule(() -> {
            if (probe.finish(false, "timed out after " + timeoutMs + " ms") && probe.channel != null) {
                probe.channel.close();
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
    }

    private FullHttpRequest request(Endpoint e) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, spec.path());
        req.headers().set(HttpHeaderNames.HOST, e.authority())
                .set(HttpHeaderNames.USER_AGENT, "gatehouse-health-check")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        spec.headers().forEach((k, v) -> req.headers().set(k, v));
        return req;
    }

    /** One probe of one target; its first verdict counts, later ones (a timeout racing a reply) are ignored. */
    private final class Probe extends SimpleChannelInboundHandler<HttpObject> {
        private final Endpoint endpoint;
        private boolean done;
        Channel channel;

        Probe(Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                int status = r.status().code();
                finish(spec.expected(status), "HTTP " + status);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(false, "closed without a response");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(false, cause.toString());
            ctx.close();
        }

        /** @return true when this call decided the probe */
        boolean finish(boolean passed, String detail) {
            if (done) {
                return false;
            }
            done = true;
            if (stopped) {
                return true;
            }
            EndpointState state = endpoint.state();
            boolean wasHealthy = state.activeHealthy();
            if (state.probed(passed, detail, spec.healthyThreshold(), spec.unhealthyThreshold())) {
                registry.healthChanged();
                LOG.warn("upstream '{}' target {}: {} -> {} (active check: {})", group.name(), endpoint.authority(),
                        wasHealthy ? "healthy" : "unhealthy", wasHealthy ? "unhealthy" : "healthy", detail);
            }
            return true;
        }
    }
}
