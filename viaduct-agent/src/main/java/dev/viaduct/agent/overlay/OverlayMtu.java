package dev.viaduct.agent.overlay;

import java.util.Collection;

/**
 * Pod and tunnel MTUs. A pod's packets may leave through the largest-overhead encapsulation any pool uses,
 * so the pod MTU is the uplink MTU minus that overhead (Calico's rule); with no overlay it is the uplink MTU.
 * An operator's {@code cni.mtu} overrides the pod MTU.
 */
public final class OverlayMtu {
    private OverlayMtu() {
    }

    /** The largest overhead among the tunnels in use (0 when none). */
    public static int overhead(Collection<TunnelKind> inUse, boolean ipv6Underlay) {
        return inUse.stream().mapToInt(k -> k.overhead(ipv6Underlay)).max().orElse(0);
    }

    /** The pod MTU: {@code configured} when set (> 0), else uplink − overhead. */
    public static int podMtu(int configured, int uplinkMtu, Collection<TunnelKind> inUse, boolean ipv6Underlay) {
        return configured > 0 ? configured : uplinkMtu - overhead(inUse, ipv6Underlay);
    }

    /** A tunnel device's own MTU: the uplink's minus its overhead. */
    public static int deviceMtu(TunnelKind kind, int uplinkMtu, boolean ipv6Underlay) {
        return uplinkMtu - kind.overhead(ipv6Underlay);
    }
}
