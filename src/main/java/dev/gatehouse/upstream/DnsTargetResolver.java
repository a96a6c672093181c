package dev.gatehouse.upstream;

import dev.gatehouse.config.model.DnsSpec;
import dev.gatehouse.config.model.HostPort;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Netty's asynchronous DNS resolver on one event loop: {@code /etc/hosts} first, then the configured (or the
 * system's) name servers, with a cache that keeps records for their TTL clamped to the configured bounds.
 */
public final class DnsTargetResolver implements TargetResolver {

    private final DnsNameResolver resolver;
    private final Duration refresh;

    public DnsTargetResolver(EventLoop loop, Class<? extends DatagramChannel> datagramChannel, DnsSpec spec) {
        DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
                .datagramChannelType(datagramChannel)
                .queryTimeoutMillis(spec.timeout().toMillis())
                .resolveCache(new DefaultDnsCache((int) spec.minTtl().toSeconds(), (int) spec.maxTtl().toSeconds(),
                        (int) spec.minTtl().toSeconds()));
        if (spec.nameservers().isEmpty()) {
            b.nameServerProvider(DnsServerAddressStreamProviders.platformDefault());
        } else {
            InetSocketAddress[] servers = new InetSocketAddress[spec.nameservers().size()];
            for (int i = 0; i < servers.length; i++) {
                HostPort hp = spec.nameservers().get(i);
                servers[i] = new InetSocketAddress(hp.host(), hp.port());
            }
            b.nameServerProvider(new SequentialDnsServerAddressStreamProvider(servers));
        }
        this.resolver = b.build();
        this.refresh = spec.minTtl();
    }

    @Override
    public Future<List<InetAddress>> resolveAll(String host) {
        return resolver.resolveAll(host);
    }

    @Override
    public Duration refreshInterval() {
        return refresh;
    }

    @Override
    public void close() {
        resolver.close();
    }
}
