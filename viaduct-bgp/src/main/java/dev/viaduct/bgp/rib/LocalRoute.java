package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;

/**
 * A route this speaker originates (a node's pod block, a borrowed /32, a static route of the standalone
 * speaker).
 *
 * @param nextHop the next hop to announce, or null for "this speaker" (the session's local address)
 * @param communities RFC 1997 communities to attach (may be empty)
 * @param localPref LOCAL_PREF towards iBGP peers, or null for the speaker's default
 * @param med MULTI_EXIT_DISC, or null for none
 */
public record LocalRoute(IpPrefix prefix, InetAddress nextHop, List<Integer> communities, Long localPref, Long med) {
    public LocalRoute {
        communities = communities == null ? List.of() : List.copyOf(communities);
        Family family = Family.ofNetwork(prefix);
        if (nextHop != null && (nextHop.getAddress().length == 4) != (family == Family.IPV4_UNICAST)) {
            throw new IllegalArgumentException("nextHop: " + nextHop.getHostAddress() + " is not of the family of " + prefix);
        }
    }

    public static LocalRoute of(IpPrefix prefix) {
        return new LocalRoute(prefix, null, List.of(), null, null);
    }
}
