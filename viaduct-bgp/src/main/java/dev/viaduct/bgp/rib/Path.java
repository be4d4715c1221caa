package dev.viaduct.bgp.rib;

/**
 * One candidate route for a prefix: who sent it and with which attributes. One instance serves every prefix
 * of an UPDATE. {@code eligible} and {@code igpCost} are the next-hop resolution and AS-loop verdicts of
 * RFC 4271 §9.1.2; only the RIB thread writes them (when next hops are re-resolved).
 */
final class Path {
    /** null for routes this speaker originates. */
    final RibPeer peer;
    final RouteAttrs attrs;
    boolean eligible;
    long igpCost;
    /**
     * The attributes this path was last exported with, and for which inputs ({@link AdjRibOut#exported}); null
     * before its first export. A route reflector's clients export alike, so one entry serves every one of them
     * across flushes: each client coming up in a herd no longer rebuilds every reflected route's attributes.
     */
    Object exportMemo;

    Path(RibPeer peer, RouteAttrs attrs) {
        this.peer = peer;
        this.attrs = attrs;
    }

    boolean local() {
        return peer == null;
    }

    boolean ebgp() {
        return peer != null && !peer.ibgp();
    }
}
