package dev.gatehouse.proxy;

/**
 * What a client connection is waiting for, which decides the client timeout that applies (see
 * {@link ClientTimer}).
 */
public enum ClientPhase {
    /** Between requests, or reading a request head: keep-alive or header timeout. */
    AWAIT_REQUEST,
    /** Reading a request body: body timeout between two reads. */
    READ_BODY,
    /** The request is read; the upstream timeouts apply, not the client's. */
    AWAIT_RESPONSE
}
