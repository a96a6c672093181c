package dev.gatehouse.config.model;

import java.time.Duration;
import java.util.List;

/**
 * {@code dns:} how target host names are resolved: asynchronously, by these name servers (the system's, from
 * {@code /etc/resolv.conf}, when none are given), with record TTLs clamped to {@code [minTtl, maxTtl]}. Names are
 * looked up again every {@code minTtl}; the cache answers until a record's TTL runs out.
 */
public record DnsSpec(List<HostPort> nameservers, Duration minTtl, Duration maxTtl, Duration timeout) {

    public static final DnsSpec DEFAULTS = new DnsSpec(List.of(), Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofSeconds(2));

    public DnsSpec {
        nameservers = List.copyOf(nameservers);
    }
}
