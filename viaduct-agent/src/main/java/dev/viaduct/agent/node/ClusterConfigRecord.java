package dev.viaduct.agent.node;

import java.util.List;

/**
 * The cluster-wide settings in the store ({@code <prefix>/config}): written by the first agent that finds
 * none, read by every agent at start.
 *
 * @param vxlanMode   {@code vxlanMode} of the pools the first agent creates ({@code Never}, {@code CrossSubnet},
 *                    {@code Always}; null in records of older agents = Never). Afterwards the pools' own
 *                    settings rule, and can be changed at run time.
 * @param ipipMode    likewise for IPIP
 * @param natOutgoing {@code natOutgoing} of the pools the first agent creates (null = false)
 */
public record ClusterConfigRecord(String mode, List<String> podCidrs, int blockSize, List<String> podCidrsV6,
        int blockSizeV6, String vxlanMode, String ipipMode, Boolean natOutgoing) {
    public ClusterConfigRecord {
        podCidrs = podCidrs == null ? List.of() : List.copyOf(podCidrs);
        podCidrsV6 = podCidrsV6 == null ? List.of() : List.copyOf(podCidrsV6);
        vxlanMode = vxlanMode == null ? "Never" : vxlanMode;
        ipipMode = ipipMode == null ? "Never" : ipipMode;
        natOutgoing = natOutgoing != null && natOutgoing;
    }

    /** A record whose pools get no overlay and no NAT. */
    public ClusterConfigRecord(String mode, List<String> podCidrs, int blockSize, List<String> podCidrsV6, int blockSizeV6) {
        this(mode, podCidrs, blockSize, podCidrsV6, blockSizeV6, "Never", "Never", false);
    }
}
