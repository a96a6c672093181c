package dev.gatehouse.tls;

/** A TLS set-up that cannot be built: an unreadable or invalid certificate, key or CA bundle (named). */
public final class TlsException extends Exception {
    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
