package dev.gatehouse.upstream;

import java.net.InetSocketAddress;

/**
 * One target of an upstream: its resolved socket address, the authority sent as Host, its weight and its
 * run-time state.
 *
 * @param index the position in its upstream's target list (balancers keep per-target state by it)
 * @param authority {@code host:port} as configured, sent as {@code Host} unless the route preserves it
 * @param backup takes traffic only when no primary target is available
 */
public record Endpoint(int index, InetSocketAddress address, String authority, int weight, boolean backup,
        EndpointState state) {

    @Override
    public String toString() {
        return authority;
    }
}
