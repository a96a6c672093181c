package dev.gatehouse.config.model;

import java.util.List;

/** A named group of targets with a balancing algorithm and a keep-alive pool policy. */
public record UpstreamSpec(String name, BalancingAlgorithm algorithm, List<TargetSpec> targets, KeepaliveSpec keepalive) {

    public UpstreamSpec {
        targets = List.copyOf(targets);
    }
}
