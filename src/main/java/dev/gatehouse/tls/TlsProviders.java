package dev.gatehouse.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/** Which TLS implementation runs: BoringSSL through netty-tcnative when its native library loads, else the JDK. */
public final class TlsProviders {

    private TlsProviders() {
    }

    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** For the start-up line. */
    public static String describe() {
        if (OpenSsl.isAvailable()) {
            return "OpenSSL (" + OpenSsl.versionString() + ")";
        }
        Throwable why = OpenSsl.unavailabilityCause();
        return "JDK (netty-tcnative unavailable: " + (why == null ? "unknown" : why.getMessage()) + ")";
    }
}
