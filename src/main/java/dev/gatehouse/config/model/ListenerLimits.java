package dev.gatehouse.config.model;

import java.time.Duration;

/**
 * What a listener accepts from clients. Defaults follow nginx where it has the same knob.
 *
 * <table>
 *   <caption>Limits</caption>
 *   <tr><th>key</th><th>default</th><th>when exceeded</th></tr>
 *   <tr><td>max_request_line</td><td>8k</td><td>414</td></tr>
 *   <tr><td>max_header_size</td><td>16k (all header lines together)</td><td>431</td></tr>
 *   <tr><td>max_headers</td><td>100</td><td>431</td></tr>
 *   <tr><td>client_max_body_size</td><td>1m (0 = no limit)</td><td>413</td></tr>
 *   <tr><td>header_timeout</td><td>60s</td><td>408, then close</td></tr>
 *   <tr><td>body_timeout</td><td>60s between two reads</td><td>408, then close</td></tr>
 *   <tr><td>keepalive_timeout</td><td>75s idle between requests</td><td>close</td></tr>
 *   <tr><td>max_concurrent_streams</td><td>128 (HTTP/2, per connection)</td><td>the client waits (SETTINGS)</td></tr>
 * </table>
 */
public record ListenerLimits(
        int maxRequestLine,
        int maxHeaderSize,
        int maxHeaders,
        long clientMaxBodySize,
        Duration headerTimeout,
        Duration bodyTimeout,
        Duration keepaliveTimeout,
        int maxConcurrentStreams) {

    public static final ListenerLimits DEFAULTS = new ListenerLimits(
            8 * 1024, 16 * 1024, 100, 1024 * 1024,
            Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(75), 128);
}
