package dev.gatehouse.config.model;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** The {@code upstreams[].algorithm} values. */
public enum BalancingAlgorithm {
    ROUND_ROBIN("round-robin"),
    WEIGHTED_ROUND_ROBIN("weighted-round-robin"),
    LEAST_CONNECTIONS("least-connections"),
    LEAST_REQUEST("least-request"),
    CONSISTENT_HASH("consistent-hash"),
    RANDOM("random");

    private final String configName;

    BalancingAlgorithm(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static @Nullable BalancingAlgorithm fromConfigName(String name) {
        for (BalancingAlgorithm a : values()) {
            if (a.configName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    public static String names() {
        return Arrays.stream(values()).map(BalancingAlgorithm::configName).collect(Collectors.joining(" | "));
    }
}
