package dev.gatehouse.config.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code listeners[].tls}: TLS termination. The certificate for a connection is chosen by SNI among
 * {@code certificates} (by each one's {@code names}, or the DNS names in the certificate itself, exact or
 * {@code *.wildcard}); the first is the default.
 *
 * @param protocols enabled protocol versions ({@code TLSv1.2}, {@code TLSv1.3}); empty for the provider's defaults
 * @param ciphers enabled cipher suites; empty for the provider's defaults
 * @param clientAuth whether clients must present a certificate signed by {@code clientCa}
 * @param clientCa PEM bundle of the CAs client certificates must chain to, or null
 * @param forwardClientCert send the verified client certificate's hash and subject upstream in
 *     {@code x-forwarded-client-cert} (a client's own header of that name is always removed)
 * @param hsts {@code Strict-Transport-Security: max-age} added to responses, or null for none
 * @param http2 offer HTTP/2 through ALPN
 */
public record TlsSpec(List<CertificateSpec> certificates, List<String> protocols, List<String> ciphers,
        ClientAuth clientAuth, @Nullable Path clientCa, boolean forwardClientCert, @Nullable Duration hsts,
        boolean http2) {

    public TlsSpec {
        certificates = List.copyOf(certificates);
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
    }

    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    /**
     * One certificate chain and its private key, PEM files (PKCS#8 or PKCS#1 keys, RSA or ECDSA).
     *
     * @param names the host names it serves; empty to take them from the certificate
     */
    public record CertificateSpec(Path cert, Path key, List<String> names) {
        public CertificateSpec {
            names = List.copyOf(names);
        }
    }
}
