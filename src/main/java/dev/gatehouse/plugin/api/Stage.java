package dev.gatehouse.plugin.api;

/**
 * Where a plugin runs in a request's life. Requests pass the stages in this order, then go upstream; responses
 * pass them in reverse. Within a stage, higher {@link PluginFactory#priority()} runs first (Kong's numbers where
 * Kong has the plugin). The position of a plugin in the YAML never matters.
 */
public enum Stage {
    /** Request id, CORS, IP rules, size limits. */
    PRE,
    /** Authentication: who is calling. */
    AUTHN,
    /** Authorization: may they. */
    AUTHZ,
    /** Rate limiting. */
    RATE_LIMIT,
    /** Request and response transformation, request termination. */
    TRANSFORM,
    /** Response caching: a hit answers. */
    CACHE,
    /** Plugins that only observe the finished exchange ({@code onComplete}): http-log, file-log. */
    LOG
}
