package dev.gatehouse.proxy;

/** User events fired when a client-side timeout expires. */
public enum ClientTimeout {
    /** No new request within {@code keepalive_timeout}: close quietly. */
    KEEPALIVE,
    /** The request head did not arrive within {@code header_timeout}: 408 and close. */
    HEADER,
    /** No request body bytes within {@code body_timeout}: 408 (if nothing was answered yet) and close. */
    BODY
}
