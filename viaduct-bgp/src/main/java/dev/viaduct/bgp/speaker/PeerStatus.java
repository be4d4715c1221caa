package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.wire.Family;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Set;

/**
 * A snapshot of one peer, for status pages, metrics and tests.
 *
 * @param state RFC 4271 state name (IDLE, CONNECT, ACTIVE, OPENSENT, OPENCONFIRM, ESTABLISHED)
 * @param uptime time in Established, zero otherwise
 * @param received prefixes in the Adj-RIB-In (including routes kept stale during a graceful restart)
 * @param accepted prefixes that passed import policy and are candidates in the Loc-RIB
 * @param advertised prefixes in the Adj-RIB-Out
 * @param lastError why the last session ended (or attempt failed), or null
 * @param families negotiated families (empty unless Established)
 * @param endOfRib families whose End-of-RIB (RFC 4724 §2) the peer sent in the current session: its initial
 *     table is complete for them
 */
public record PeerStatus(String name, InetAddress address, long asn, String state, Duration uptime, long received,
        long accepted, long advertised, String lastError, long messagesReceived, long messagesSent, long updatesReceived,
        long updatesSent, long notificationsReceived, long notificationsSent, long routeRefreshesReceived,
        long establishedTransitions, long softErrors, Set<Family> families, boolean gracefulRestart, Set<Family> endOfRib) {
    public boolean established() {
        return "ESTABLISHED".equals(state);
    }
}
