package dev.viaduct.agent.node;

import java.util.List;

/**
 * The cluster-wide settings in the store ({@code <prefix>/config}): written by the first agent that finds
 * none, read by every agent at start.
 */
public record ClusterConfigRecord(String mode, List<String> podCidrs, int blockSize, List<String> podCidrsV6,
        int blockSizeV6) {
    public ClusterConfigRecord {
        podCidrs = podCidrs == null ? List.of() : List.copyOf(podCidrs);
        podCidrsV6 = podCidrsV6 == null ? List.of() : List.copyOf(podCidrsV6);
    }
}
