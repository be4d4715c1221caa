package dev.viaduct.bgp.rib;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;

/**
 * The new state of one prefix in the Loc-RIB, as the agent needs it to program the kernel: the set of
 * equal-cost next hops (multipath per RFC 4271 §9.1.2.2, tie-breaking stopped before router ID and peer
 * address), or none when the prefix is no longer reachable.
 *
 * @param nextHops distinct next hops of the equal-cost paths, best path's first; empty = withdrawn
 * @param best attributes of the best path, null when withdrawn
 * @param local the best path is one this speaker originates (no kernel route needed)
 */
public record BestPathChange(IpPrefix prefix, List<InetAddress> nextHops, RouteAttrs best, boolean local) {
    public BestPathChange {
        nextHops = List.copyOf(nextHops);
    }

    public boolean withdrawn() {
        return nextHops.isEmpty();
    }
}
