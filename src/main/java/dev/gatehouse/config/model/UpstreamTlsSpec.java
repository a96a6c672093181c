package dev.gatehouse.config.model;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * {@code tls:} on an upstream (or a service with an {@code https://} URL): connections to the targets use TLS.
 *
 * @param verify check the target's certificate chain and that it names the target (on by default; off is logged)
 * @param ca PEM bundle of the CAs to trust instead of the JDK's, or null
 * @param sni the name sent in SNI and checked in the certificate, instead of each target's host
 * @param cert a client certificate (PEM chain) for upstream mTLS, or null
 * @param key its PKCS#8 PEM private key
 */
public record UpstreamTlsSpec(boolean verify, @Nullable Path ca, @Nullable String sni, @Nullable Path cert,
        @Nullable Path key) {

    /** {@code url: https://...} with no {@code tls:} block: verify against the JDK's CAs. */
    public static final UpstreamTlsSpec DEFAULTS = new UpstreamTlsSpec(true, null, null, null, null);
}
