/**
 * {@code proxy-cache}: an HTTP shared cache (RFC 9111) in front of the upstream, in memory or in Redis, with
 * revalidation, collapsed misses, stale serving, invalidation and purges.
 */
@org.jspecify.annotations.NullMarked
package dev.gatehouse.plugins.cache;
