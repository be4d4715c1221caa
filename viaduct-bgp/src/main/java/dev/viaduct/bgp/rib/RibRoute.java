package dev.viaduct.bgp.rib;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;

/**
 * One route in a RIB snapshot (for status, tests and {@code viaduct ctl}).
 *
 * @param source the peer's name, or "local" for routes this speaker originates
 * @param peerAddress null for local routes
 * @param best this is the best path; {@code multipath} it is in the equal-cost set
 * @param stale kept from a peer's previous session during its graceful restart (RFC 4724)
 */
public record RibRoute(IpPrefix prefix, RouteAttrs attrs, String source, InetAddress peerAddress, boolean best,
        boolean multipath, boolean stale) {
}
