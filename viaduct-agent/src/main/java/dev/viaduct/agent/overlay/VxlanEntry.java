package dev.viaduct.agent.overlay;

import dev.viaduct.netlink.HardwareAddress;
import java.net.InetAddress;

/**
 * One permanent entry Viaduct keeps on {@code vxlan.viaduct} per remote VTEP (Calico's static VXLAN: no
 * multicast, no learning — every remote endpoint is programmed).
 */
public sealed interface VxlanEntry {
    /**
     * {@code ip neigh replace <vtep> lladdr <mac> dev vxlan.viaduct nud permanent}: resolves the route's gateway
     * (an ARP entry for an IPv4 VTEP, a neighbour-discovery one for the IPv6 link-local VTEP).
     */
    record Arp(InetAddress vtep, HardwareAddress mac) implements VxlanEntry {
        @Override
        public String toString() {
            return vtep.getHostAddress() + " lladdr " + mac + " permanent";
        }
    }

    /** {@code bridge fdb replace <mac> dev vxlan.viaduct dst <underlay> self permanent}: where frames for it go. */
    record Fdb(HardwareAddress mac, InetAddress underlay) implements VxlanEntry {
        @Override
        public String toString() {
            return "fdb " + mac + " dst " + underlay.getHostAddress() + " self permanent";
        }
    }
}
