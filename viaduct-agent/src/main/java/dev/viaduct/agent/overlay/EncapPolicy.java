package dev.viaduct.agent.overlay;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The encapsulation decision for one peer and one pool. Pure; shared by every route source that routes
 * IPAM blocks (host-gw today; BGP mode uses the same decision for the pools it carries in a tunnel).
 *
 * <ul>
 *   <li>{@code Never}: plain routing. A peer outside every directly connected subnet of the uplink cannot
 *       be reached that way and is reported by name.
 *   <li>{@code CrossSubnet}: plain routing to peers in one of this node's directly connected subnets (same
 *       L2 segment: no encapsulation cost), the tunnel to every other peer (their packets cross a router
 *       that does not know pod routes). The subnets come from the uplink's addresses <em>with their prefix
 *       length</em>, so the decision follows the node's addresses as they change.
 *   <li>{@code Always}: the tunnel to every peer.
 * </ul>
 *
 * <p>A tunnel is used only when both ends can terminate it. For VXLAN the peer must have published its
 * VTEP (it does so once its device is up) and this node's device must be ready; until then an on-link
 * peer keeps its plain route — so switching a pool from Never to Always never interrupts traffic between
 * neighbours — and an off-link peer is reported as not yet reachable.
 */
public final class EncapPolicy {
    private EncapPolicy() {
    }

    /**
     * @param pool      the pool of the block (or borrowed address) being routed; empty = no pool (deleted): plain
     * @param ipv4      the block's family
     * @param peer      the node the block (or address) lives on
     * @param connected this node's uplink addresses with their prefix lengths
     * @param uplink    this node's uplink device (for messages)
     * @param local     which of this node's tunnel devices work
     */
    public static PathToPeer decide(Optional<PoolSettings> pool, boolean ipv4, NodeRecord peer, List<IpPrefix> connected,
            String uplink, LocalTunnels local) {
        Optional<IpPrefix> addr;
        try {
            addr = peer.address(ipv4);
        } catch (IllegalArgumentException e) {
            return new PathToPeer.Unroutable("its node record has an unparsable address: " + e.getMessage());
        }
        if (addr.isEmpty()) {
            return new PathToPeer.Unroutable("it has no " + (ipv4 ? "IPv4" : "IPv6") + " address");
        }
        InetAddress gw = addr.get().address();
        boolean onLink = connected.stream().anyMatch(c -> c.contains(gw));
        Optional<TunnelKind> kind = pool.flatMap(PoolSettings::tunnel);
        EncapMode mode = pool.map(PoolSettings::tunnelMode).orElse(EncapMode.NEVER);
        boolean encap = kind.isPresent() && (mode == EncapMode.ALWAYS || (mode == EncapMode.CROSS_SUBNET && !onLink));
        if (!encap) {
            if (onLink) {
                return new PathToPeer.Native(gw);
            }
            return new PathToPeer.Unroutable(gw.getHostAddress() + " is not in a directly connected subnet of " + uplink + " "
                    + connected.stream().map(c -> c.network().toString()).toList()
                    + ": host-gw needs all nodes on one L2 segment (use BGP, or set the pool's vxlanMode or ipipMode to"
                    + " CrossSubnet)");
        }
        return switch (kind.get()) {
            // the outer header's family is the tunnels' (IPv4 first, as OverlayController.underlay), whatever the pool's
            case VXLAN -> vxlan(peer, ipv4, peer.address(true).orElse(addr.get()).address(), gw, onLink, local);
            case IPIP -> {
                if (local.ipipReady()) {
                    yield new PathToPeer.Ipip(gw);
                }
                yield onLink ? new PathToPeer.Native(gw)
                        : new PathToPeer.Unroutable("IPIP is wanted but this node's tunl0 is not ready"
                                + (local.ipipProblem().isEmpty() ? "" : ": " + local.ipipProblem()));
            }
        };
    }

    /**
     * An IPv4 block goes via the peer's published VTEP address; an IPv6 block via the link-local address its
     * device has from the published MAC (RFC 4291 App. A), so IPv6 pools need no VTEP address of their own.
     */
    private static PathToPeer vxlan(NodeRecord peer, boolean ipv4, InetAddress underlay, InetAddress gw, boolean onLink,
            LocalTunnels local) {
        String notYet;
        if (!local.vxlanReady()) {
            notYet = "this node's VXLAN device is not ready yet";
        } else if (peer.vtep() == null) {
            notYet = "it has published no VXLAN tunnel endpoint (its agent has not set up VXLAN yet)";
        } else {
            try {
                HardwareAddress mac = HardwareAddress.parse(peer.vtep().mac());
                if (mac.length() != 6) {
                    throw new IllegalArgumentException("MAC " + peer.vtep().mac() + " is not 6 bytes");
                }
                InetAddress vtep = ipv4 ? IpAddresses.parse(peer.vtep().address()) : IpAddresses.linkLocal(mac.bytes());
                if (ipv4 && !(vtep instanceof java.net.Inet4Address)) {
                    throw new IllegalArgumentException("VTEP " + peer.vtep().address() + " is not IPv4 (no IPv4 pool uses VXLAN there)");
                }
                return new PathToPeer.Vxlan(new VxlanPeer(peer.name(), vtep, mac, underlay));
            } catch (IllegalArgumentException e) {
                notYet = "its node record has an unparsable VTEP: " + e.getMessage();
            }
        }
        return onLink ? new PathToPeer.Native(gw) : new PathToPeer.Unroutable(notYet);
    }
}
