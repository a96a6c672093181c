package dev.gatehouse.routing;

import org.jspecify.annotations.Nullable;

/** What the router looks at in a request; implemented by the proxy's exchange, so no copy is made. */
public interface RoutableRequest {

    /** The Host (without port), lower case; "" when the request named none. */
    String host();

    /** The path, without the query string, as sent. */
    String path();

    /** The method, upper case. */
    String method();

    /** The first value of a header, by lower-case name, or null. */
    @Nullable String header(String lowerCaseName);

    /** The first value of a query parameter (not decoded), or null when absent. */
    @Nullable String queryParam(String name);
}
