/** {@code compression}: gzip, brotli and zstd response compression, negotiated per request, streamed. */
@org.jspecify.annotations.NullMarked
package dev.gatehouse.plugins.compression;
