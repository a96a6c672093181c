package dev.gatehouse.upstream;

import dev.gatehouse.config.model.UpstreamTlsSpec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * TLS to an upstream's targets: one client context per upstream (built at compile time, off the event loops), and
 * a handler per connection that sends SNI and checks the certificate against the target's name (or {@code sni}).
 */
public final class UpstreamTls {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UpstreamTls.class);

    private final SslContext context;
    private final UpstreamTlsSpec settings;

    private UpstreamTls(SslContext context, UpstreamTlsSpec settings) {
        this.context = context;
        this.settings = settings;
    }

    /** What the connections' TLS depends on: connections are pooled by it. */
    public UpstreamTlsSpec settings() {
        return settings;
    }

    /**
     * @param where the configuration key, for the warning about {@code verify: false}
     * @throws IllegalArgumentException when the CA bundle or the client certificate cannot be used
     */
    public static UpstreamTls build(UpstreamTlsSpec spec, String where) {
        return build(spec, where, false);
    }

    /** @param http2 offer h2 through ALPN (an upstream with protocol: http2) */
    public static UpstreamTls build(UpstreamTlsSpec spec, String where, boolean http2) {
        SslContextBuilder b = SslContextBuilder.forClient();
        if (http2) {
            b.applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(
                    io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
                    io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    io.netty.handler.ssl.ApplicationProtocolNames.HTTP_2));
        }
        if (!spec.verify()) {
            LOG.warn("{}: verify is false: upstream certificates are NOT checked (anyone on the path can read and "
                    + "change this traffic)", where);
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            if (spec.ca() != null) {
                b.trustManager(spec.ca().toFile());
            }
            b.endpointIdentificationAlgorithm("HTTPS");
        }
        if (spec.cert() != null && spec.key() != null) {
            b.keyManager(spec.cert().toFile(), spec.key().toFile());
        }
        try {
            return new UpstreamTls(b.build(), spec);
        } catch (SSLException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A handler for a connection to the target {@code authority} ({@code host:port}). */
    public SslHandler newHandler(ByteBufAllocator alloc, String authority, int port) {
        return context.newHandler(alloc, settings.sni() != null ? settings.sni() : hostOf(authority), port);
    }

    static String hostOf(String authority) {
        if (authority.startsWith("[")) {
            return authority.substring(1, authority.indexOf(']'));
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }
}
