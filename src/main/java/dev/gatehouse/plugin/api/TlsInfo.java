package dev.gatehouse.plugin.api;

import org.jspecify.annotations.Nullable;

/**
 * The TLS facts of a client connection.
 *
 * @param sni the host name the client asked for (SNI), or null
 * @param clientSubject the verified client certificate's subject DN (mTLS), or null when none was presented
 * @param clientFingerprint the SHA-256 of the client certificate (DER), lower-case hex, or null
 */
public record TlsInfo(String protocol, String cipher, @Nullable String sni, @Nullable String clientSubject,
        @Nullable String clientFingerprint) {
}
