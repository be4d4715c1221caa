package dev.viaduct.bfd;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.DiscardReason;
import dev.viaduct.bfd.session.SessionSnapshot;
import java.time.Instant;
import java.util.Map;

/**
 * One session's status for `viaduct ctl`, metrics and tests: the state machine's variables and negotiated
 * timers ({@link SessionSnapshot}), when the state last changed, and the packet counters.
 *
 * @param sourcePort the UDP source port our packets leave from (49152-65535, RFC 5881 §4)
 */
public record SessionStatus(SessionKey key, SessionSnapshot session, Instant lastStateChange, boolean authenticated,
        int sourcePort, Counters counters) {

    public BfdState state() {
        return session.state();
    }

    /**
     * Packet counters.
     *
     * @param packetsIn   datagrams attributed to this session (accepted or discarded)
     * @param packetsOut  control packets sent
     * @param sendErrors  sends the kernel refused (no route, link down, queue full)
     * @param discarded   received packets discarded, by the check that failed
     */
    public record Counters(long packetsIn, long packetsOut, long sendErrors, Map<DiscardReason, Long> discarded) {
        public Counters {
            discarded = Map.copyOf(discarded);
        }

        public long discardedTotal() {
            return discarded.values().stream().mapToLong(Long::longValue).sum();
        }

        public long discarded(DiscardReason reason) {
            return discarded.getOrDefault(reason, 0L);
        }
    }
}
