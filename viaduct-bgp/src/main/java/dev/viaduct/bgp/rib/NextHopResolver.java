package dev.viaduct.bgp.rib;

import java.net.InetAddress;

/**
 * The next-hop reachability hook of the decision process (RFC 4271 §9.1.2: routes whose NEXT_HOP does not
 * resolve are excluded; §9.1.2.2 e: lower interior cost to the next hop wins). The agent answers from the
 * kernel's routing table; when its answers change it tells the speaker to re-run the decision.
 */
@FunctionalInterface
public interface NextHopResolver {
    /** Returned by {@link #cost} for a next hop that cannot be reached. */
    long UNREACHABLE = -1;

    /** Every next hop reachable at cost 0 (a speaker with no IGP, e.g. a standalone route reflector). */
    NextHopResolver ALL_REACHABLE = nh -> 0;

    /** Interior cost to reach {@code nextHop}, or {@link #UNREACHABLE}. Called on the RIB thread; must be quick. */
    long cost(InetAddress nextHop);
}
