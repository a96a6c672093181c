/**
 * TLS: server contexts chosen by SNI, certificates reloaded when their files change, client-certificate
 * verification, and client contexts for upstreams. OpenSSL (BoringSSL through netty-tcnative) when it loads, the
 * JDK's provider otherwise.
 */
@NullMarked
package dev.gatehouse.tls;

import org.jspecify.annotations.NullMarked;
