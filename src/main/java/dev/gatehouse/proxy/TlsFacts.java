package dev.gatehouse.proxy;

import dev.gatehouse.plugin.api.TlsInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * Reads a TLS connection's facts once, when its handshake completes (protocol, cipher, SNI, the verified client
 * certificate), and keeps them on the connection, where every request on it (HTTP/2 streams included) finds them.
 */
public final class TlsFacts extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<TlsInfo> KEY = AttributeKey.valueOf("gatehouse.tls");

    private final boolean clientCertificates;
    private @Nullable String sni;

    /** @param clientCertificates the listener asks for client certificates (otherwise none is looked for) */
    public TlsFacts(boolean clientCertificates) {
        this.clientCertificates = clientCertificates;
    }

    /** The facts of the connection {@code ch} belongs to (itself, or an HTTP/2 stream's parent), or null. */
    static @Nullable TlsInfo of(Channel ch) {
        TlsInfo info = ch.attr(KEY).get();
        if (info == null && ch instanceof io.netty.handler.codec.http2.Http2StreamChannel stream) {
            info = stream.parent().attr(KEY).get();
        }
        return info;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniCompletionEvent sniEvent) {
            sni = sniEvent.hostname();
        } else if (evt instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl != null) {
                ctx.channel().attr(KEY).set(read(ssl.engine().getSession()));
            }
            ctx.fireUserEventTriggered(evt);
            ctx.pipeline().remove(this);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private TlsInfo read(SSLSession session) {
        String subject = null;
        String fingerprint = null;
        if (!clientCertificates) {
            // asking would throw SSLPeerUnverifiedException, a costly way to learn nothing, on every handshake
            return new TlsInfo(session.getProtocol(), session.getCipherSuite(), sni, null, null);
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate cert) {
                subject = cert.getSubjectX500Principal().getName();
                fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            }
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            // mTLS off, or optional and not presented
        } catch (GeneralSecurityException e) {
            subject = null;
        }
        return new TlsInfo(session.getProtocol(), session.getCipherSuite(), sni, subject, fingerprint);
    }
}
