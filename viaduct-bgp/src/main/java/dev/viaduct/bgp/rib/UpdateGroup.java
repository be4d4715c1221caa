package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import java.util.ArrayList;
import java.util.List;

/**
 * The peers that are sent the same routes with the same attributes for one family (an update group, as FRR and IOS
 * form them), and the one Adj-RIB-Out they share (RFC 4271 §3.2 describes the RIBs as conceptual: an implementation
 * need not keep one copy per peer). A route reflector's N clients are one group: each is sent every best path but
 * the one it sent itself (split horizon), so the group's table holds the routes once and each member's
 * {@link PeerAdjOut} only where it differs (its own routes). At 1,000 clients a table of 2,048 slots per client
 * was 25 MiB of the heap.
 *
 * <p>Owned by the RIB thread, like every table of the RIB.
 */
final class UpdateGroup {
    /**
     * What a member's Adj-RIB-Out depends on besides the Loc-RIB and which routes it sent itself: the export inputs
     * ({@link AdjRibOut.ExportKey}), its export policy and whether it is sent only local routes.
     */
    record Key(AdjRibOut.ExportKey export, Policy exportPolicy, boolean localRoutesOnly, Family family) {
        static Key of(RibPeer p, Family f) {
            return new Key(AdjRibOut.ExportKey.of(p), p.settings.exportPolicy(), p.settings.localRoutesOnly(), f);
        }
    }

    final Key key;
    /**
     * What a member that sent none of the routes itself has been sent, as of the last flush: the attributes
     * {@link AdjRibOut#exportAttrs} and the export policy give each best path.
     */
    PrefixMap<RouteAttrs> table;
    final List<RibPeer> members = new ArrayList<>();

    UpdateGroup(Key key, PrefixMap<RouteAttrs> table) {
        this.key = key;
        this.table = table;
    }
}
