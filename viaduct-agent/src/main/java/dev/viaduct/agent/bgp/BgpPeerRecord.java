package dev.viaduct.agent.bgp;

/**
 * A BGP peer definition ({@code <prefix>/bgp/peers/<name>}), Calico's BGPPeer:
 * <ul>
 *   <li>an external router: {@code address} + {@code asn}, used by the nodes {@code nodeSelector} selects
 *       (default every node) or by the one {@code node} named — global peers, per-rack ToRs;
 *   <li>node-to-node: {@code peerSelector} instead of an address — every node selected by
 *       {@code nodeSelector} peers with every node selected by {@code peerSelector} (and, symmetrically, those
 *       with these), e.g. all nodes with the route reflectors: {@code peerSelector: has(routeReflector)}.
 * </ul>
 *
 * @param password TCP MD5 key (RFC 2385), or null
 * @param bfd      run BFD with this peer (external peers default off, node peers follow the cluster setting)
 */
public record BgpPeerRecord(String address, Long asn, String nodeSelector, String node, String peerSelector,
        String password, Boolean bfd) {
}
