package dev.gatehouse.proxy;

/**
 * The client-side timer of one connection. The proxy tells it the phase; when a timeout expires it fires a
 * {@link ClientTimeout} user event down the pipeline to the proxy. Called on the connection's event loop.
 */
public interface ClientTimer {

    void phase(ClientPhase phase);
}
