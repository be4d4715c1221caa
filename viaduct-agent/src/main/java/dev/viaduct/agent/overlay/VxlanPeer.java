package dev.viaduct.agent.overlay;

import dev.viaduct.netlink.HardwareAddress;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A remote VXLAN endpoint this node sends to: what its neighbour entry ({@code vtep lladdr mac}) and FDB
 * entry ({@code mac dst underlay}) on {@code vxlan.viaduct} say.
 *
 * @param node     the peer's node name (for status and logs)
 * @param vtep     the peer's tunnel device address (from its pool)
 * @param mac      the peer's tunnel device MAC
 * @param underlay the peer's node address, the outer destination
 */
public record VxlanPeer(String node, InetAddress vtep, HardwareAddress mac, InetAddress underlay) {
    public VxlanPeer {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(vtep, "vtep");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(underlay, "underlay");
    }
}
