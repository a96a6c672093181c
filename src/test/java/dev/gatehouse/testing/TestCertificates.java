package dev.gatehouse.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates for tests: a CA, and server or client certificates it signs, written as PEM files. */
public final class TestCertificates {

    /** How to write a private key: PKCS#8 ({@code BEGIN PRIVATE KEY}) or the algorithm's own form (PKCS#1, SEC1). */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    /** A certificate, its key, and where they were written. */
    public record Issued(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {
    }

    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final Path caFile;
    private long serial = 2;

    public TestCertificates(Path dir, String caName) throws Exception {
        caKeys = rsa();
        X500Name name = new X500Name("CN=" + caName);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, notBefore(), notAfter(),
                name, caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = sign(b, caKeys.getPrivate(), "SHA256withRSA");
        caFile = dir.resolve(caName.replace(' ', '-') + "-ca.pem");
        Files.writeString(caFile, pem(ca));
    }

    public Path caFile() {
        return caFile;
    }

    public X509Certificate ca() {
        return ca;
    }

    /**
     * A certificate for {@code dnsNames} (the first is also the CN), with an RSA or EC key.
     *
     * @param ec an ECDSA P-256 key instead of RSA 2048
     */
    public Issued issue(Path dir, String fileName, String cn, List<String> dnsNames, boolean ec, KeyFormat format)
            throws Exception {
        KeyPair keys = ec ? ec() : rsa();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + ca.getSubjectX500Principal()
                .getName().substring(3)), BigInteger.valueOf(serial++), notBefore(), notAfter(),
                new X500Name("CN=" + cn), keys.getPublic());
        if (!dnsNames.isEmpty()) {
            // names that are IP literals become iPAddress entries
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(dnsNames.stream()
                    .map(n -> new GeneralName(Character.isDigit(n.charAt(0)) ? GeneralName.iPAddress
                            : GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
        }
        X509Certificate cert = sign(b, caKeys.getPrivate(), "SHA256withRSA");
        Path certFile = dir.resolve(fileName + ".pem");
        Path keyFile = dir.resolve(fileName + "-key.pem");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, format == KeyFormat.PKCS8 ? pkcs8(keys.getPrivate()) : traditional(keys.getPrivate()));
        return new Issued(cert, keys.getPrivate(), certFile, keyFile);
    }

    /** A client context trusting this CA, presenting {@code client} when given. */
    public SSLContext clientContext(Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.key(), new char[0], new java.security.cert.Certificate[] {
                client.certificate(), ca});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return context;
    }

    /** A server context presenting {@code server}; with {@code trustClients}, it also trusts this CA's clients. */
    public SSLContext serverContext(Issued server) throws Exception {
        return clientContext(server);
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key, String algorithm)
            throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(algorithm)
                .build(key)));
    }

    private static Date notBefore() {
        return new Date(System.currentTimeMillis() - 3_600_000L);
    }

    private static Date notAfter() {
        return new Date(System.currentTimeMillis() + 86_400_000L * 30);
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaMiscPEMGenerator(o));
        }
        return out.toString();
    }

    private static String pkcs8(PrivateKey key) {
        return pemBlock("PRIVATE KEY", key.getEncoded());
    }

    /** PKCS#1 for RSA ({@code BEGIN RSA PRIVATE KEY}), SEC1 with the curve named for EC ({@code BEGIN EC PRIVATE KEY}). */
    private static String traditional(PrivateKey key) throws IOException {
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(
                key.getEncoded());
        if (key.getAlgorithm().equals("RSA")) {
            return pemBlock("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
        }
        org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                info.parsePrivateKey());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                inner.getPublicKey(), info.getPrivateKeyAlgorithm().getParameters());
        return pemBlock("EC PRIVATE KEY", sec1.getEncoded());
    }

    private static String pemBlock(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
