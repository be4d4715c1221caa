package dev.viaduct.bgp.rib;

import dev.viaduct.bgp.wire.Family;
import java.util.List;

/**
 * RFC 4724 §4.1: after its own restart the speaker defers route selection (no advertisements, no End-of-RIB,
 * no best-path events) until every peer has sent End-of-RIB or the deferral deadline passed, so it never
 * advertises a partial table that would make helpers flush routes it has not re-learnt yet. Peers that did not
 * negotiate graceful restart do not count (they send no marker worth waiting for); a peer whose session is down
 * may still come back, so only the timer gives up on it. Until the configured peers are all added, "every peer
 * sent End-of-RIB" would be judged on a partial list, so only the timer ends the deferral. Owned by {@link Rib}.
 */
final class SelectionDeferral {
    private long deadline = Long.MAX_VALUE;
    private boolean peersKnown;

    void start(long until) {
        deadline = until;
        peersKnown = false;
    }

    void peersKnown() {
        peersKnown = true;
    }

    boolean active() {
        return deadline != Long.MAX_VALUE;
    }

    /** The deadline ({@code Long.MAX_VALUE} when not deferring). */
    long deadline() {
        return deadline;
    }

    /** Ends the deferral if it is due at {@code now} and says why ("timer", "end-of-rib-from-every-peer"); else null. */
    String endReason(long now, List<RibPeer> peers) {
        if (!active()) {
            return null;
        }
        boolean timer = now >= deadline;
        if (!timer && !peersKnown) {
            return null;
        }
        if (!timer) {
            for (RibPeer p : peers) {
                RibPeer.Session s = p.session;
                if (s == null) {
                    return null; // it may still come back: only the timer gives up on it ("sessions that do not come up")
                }
                if (s.peerGr() == null) {
                    continue;
                }
                for (Family f : s.families()) {
                    if (!p.endOfRibReceived.getOrDefault(f, false)) {
                        return null;
                    }
                }
            }
        }
        deadline = Long.MAX_VALUE;
        return timer ? "timer" : "end-of-rib-from-every-peer";
    }
}
