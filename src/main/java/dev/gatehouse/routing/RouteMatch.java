package dev.gatehouse.routing;

/**
 * The route a request matched, and how much of the path the route's path pattern covered (what
 * {@code strip_path} removes).
 *
 * @param route the payload the router was built with
 * @param matchedLength the number of leading path characters matched by the route's path
 */
public record RouteMatch<T>(T route, int matchedLength) {

    /**
     * The path the upstream sees: the request path without the matched part when {@code strip} is set,
     * joined to {@code basePath} (a service URL's path) without doubling or losing a slash.
     */
    public static String upstreamPath(String basePath, String requestPath, int matchedLength, boolean strip) {
        String rest = strip ? requestPath.substring(matchedLength) : requestPath;
        if (basePath.isEmpty()) {
            return rest.isEmpty() ? "/" : rest.charAt(0) == '/' ? rest : "/" + rest;
        }
        if (rest.isEmpty()) {
            return basePath;
        }
        boolean baseSlash = basePath.charAt(basePath.length() - 1) == '/';
        boolean restSlash = rest.charAt(0) == '/';
        if (baseSlash && restSlash) {
            return basePath + rest.substring(1);
        }
        return baseSlash || restSlash ? basePath + rest : basePath + "/" + rest;
    }
}
