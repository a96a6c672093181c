package dev.gatehouse.tls;

import dev.gatehouse.config.model.TlsSpec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The server side of one TLS listener, built from its certificates: a context per certificate and the SNI map from
 * host names (exact and {@code *.wildcard}) to them; the first certificate answers names it does not know and
 * clients that send no SNI. Immutable: a reload builds a new one.
 */
public final class ServerTls {

    private final Mapping<String, SslContext> byName;
    private final List<String> names;

    private ServerTls(Mapping<String, SslContext> byName, List<String> names) {
        this.byName = byName;
        this.names = List.copyOf(names);
    }

    /** The context for an SNI host name (null: the default). */
    public SslContext context(String hostName) {
        return byName.map(hostName);
    }

    /** Every name served, for the start-up line. */
    public List<String> names() {
        return names;
    }

    /**
     * @param alpn the protocols offered through ALPN, in preference order ({@code h2}, {@code http/1.1})
     * @throws TlsException naming the file that could not be used
     */
    public static ServerTls build(TlsSpec spec, List<String> alpn) throws TlsException {
        DomainWildcardMappingBuilder<SslContext> mapping = null;
        List<String> all = new ArrayList<>();
        for (TlsSpec.CertificateSpec cert : spec.certificates()) {
            SslContext context = context(spec, cert, alpn);
            if (mapping == null) {
                mapping = new DomainWildcardMappingBuilder<>(context);
            }
            List<String> names = cert.names().isEmpty() ? namesIn(cert.cert()) : cert.names();
            for (String name : names) {
                mapping.add(name.toLowerCase(Locale.ROOT), context);
                all.add(name);
            }
        }
        if (mapping == null) {
            throw new TlsException("no certificate", null);
        }
        return new ServerTls(mapping.build(), all);
    }

    private static SslContext context(TlsSpec spec, TlsSpec.CertificateSpec cert, List<String> alpn)
            throws TlsException {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(Pem.privateKey(cert.key()), Pem.certificates(cert.cert()))
                    .sslProvider(TlsProviders.provider());
            if (!spec.protocols().isEmpty()) {
                b.protocols(spec.protocols());
            }
            if (!spec.ciphers().isEmpty()) {
                b.ciphers(spec.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
            }
            if (spec.clientAuth() != TlsSpec.ClientAuth.NONE) {
                b.trustManager(Pem.certificates(spec.clientCa()));
                b.clientAuth(spec.clientAuth() == TlsSpec.ClientAuth.REQUIRE ? ClientAuth.REQUIRE
                        : ClientAuth.OPTIONAL);
            }
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
            return b.build();
        } catch (Exception e) {
            throw new TlsException("certificate " + cert.cert() + " with key " + cert.key()
                    + (spec.clientCa() == null ? "" : " (client CA " + spec.clientCa() + ")") + ": " + e.getMessage(),
                    e);
        }
    }

    /** ALPN offers: HTTP/1.1 only, or HTTP/2 first. */
    public static final List<String> HTTP1_ONLY = List.of(ApplicationProtocolNames.HTTP_1_1);
    public static final List<String> H2_AND_HTTP1 = List.of(ApplicationProtocolNames.HTTP_2,
            ApplicationProtocolNames.HTTP_1_1);

    /** The DNS names of a certificate: its subjectAltName DNS entries, else its subject's CN. */
    static List<String> namesIn(Path certFile) throws TlsException {
        try (InputStream in = Files.newInputStream(certFile)) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            List<String> names = new ArrayList<>();
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add((String) san.get(1));
                    }
                }
            }
            if (names.isEmpty()) {
                for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(rdn.getValue().toString());
                    }
                }
            }
            return names;
        } catch (Exception e) {
            throw new TlsException("certificate " + certFile + ": " + e.getMessage(), e);
        }
    }
}
