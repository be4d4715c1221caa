package dev.viaduct.bfd.daemon.protocol;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.session.Timers;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The messages of the agent ↔ bfdd protocol (one JSON object per line on a root-only unix socket, see
 * {@link BfddCodec} and the package comment). Requests carry an {@code id} the reply echoes; events carry 0.
 *
 * <pre>
 * agent → bfdd                         bfdd → agent
 * Hello{protocol, client}           →  Welcome{protocol, pid, netns, startedAt, sessions, unmatched}
 * SetSessions{sessions}             →  Status{sessions, unmatched}   (the complete wanted set, reconciled)
 * GetStatus                         →  Status{sessions, unmatched}
 * Shutdown{adminDown}               →  Status, then bfdd exits
 * (bad request)                     →  Failure{error}
 *                                   ←  Event{session, from, to, diag, signal}   (after Hello, every state change)
 * </pre>
 */
public sealed interface BfddMessage {
    /** The protocol version this build speaks; a daemon of another version is replaced. */
    int PROTOCOL = 1;

    /** The request id this message carries or answers; 0 for events. */
    long id();

    /** Client → daemon. */
    sealed interface Request extends BfddMessage {
    }

    /** Daemon → client. */
    sealed interface Reply extends BfddMessage {
    }

    /** Opens a session of the protocol: the daemon answers with a {@link Welcome} and starts sending events. */
    record Hello(long id, int protocol, String client) implements Request {
        public Hello {
            Objects.requireNonNull(client, "client");
        }
    }

    /** The complete set of sessions the client wants; the daemon adds, removes and retimes to match it. */
    record SetSessions(long id, List<DesiredSession> sessions) implements Request {
        public SetSessions {
            sessions = List.copyOf(sessions);
        }
    }

    /** Asks for a {@link Status}. */
    record GetStatus(long id) implements Request {
    }

    /**
     * Stops the daemon. With {@code adminDown} every session first sends AdminDown (RFC 5880 §6.8.16: BFD is
     * being switched off, peers must not treat it as a failure, RFC 5882 §3.2); without, the daemon just exits
     * and peers detect a failure, as when the node dies.
     */
    record Shutdown(long id, boolean adminDown) implements Request {
    }

    /**
     * The answer to {@link Hello}: who the daemon is (so a client can tell a restarted daemon from the one it
     * knew, and refuse a daemon in another network namespace) and the state of every session.
     *
     * @param netns             the daemon's network namespace as {@code readlink /proc/self/ns/net} shows it
     * @param unmatchedDiscards received packets no session could claim (RFC 5880 §6.8.6)
     */
    record Welcome(long id, int protocol, long pid, String netns, Instant startedAt, List<SessionView> sessions,
            long unmatchedDiscards) implements Reply {
        public Welcome {
            Objects.requireNonNull(netns, "netns");
            Objects.requireNonNull(startedAt, "startedAt");
            sessions = List.copyOf(sessions);
        }
    }

    /** Every session's state, in answer to {@link SetSessions}, {@link GetStatus} and {@link Shutdown}. */
    record Status(long id, List<SessionView> sessions, long unmatchedDiscards) implements Reply {
        public Status {
            sessions = List.copyOf(sessions);
        }
    }

    /** A request the daemon could not understand or carry out; {@code error} names the field or the reason. */
    record Failure(long id, String error) implements Reply {
        public Failure {
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * A session changed state (pushed to every client that said {@link Hello}).
     *
     * @param signal what a client should make of it: {@code UP}, {@code PATH_DOWN}, {@code ADMIN_DOWN} or
     *               {@code NONE} (RFC 5882 §3.2, see {@code StateChange.ClientSignal})
     */
    record Event(long id, SessionView session, BfdState from, BfdState to, Diagnostic diagnostic, String signal)
            implements Reply {
        public Event {
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(diagnostic, "diagnostic");
            Objects.requireNonNull(signal, "signal");
        }
    }

    /**
     * One session a client wants.
     *
     * @param name          for logs and status (a node name, or a BGP peer's name)
     * @param interfaceName needed for IPv6 link-local peers, else empty
     */
    record DesiredSession(String name, InetAddress peer, InetAddress local, Optional<String> interfaceName, Timers timers) {
        public DesiredSession {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(local, "local");
            Objects.requireNonNull(interfaceName, "interfaceName");
            Objects.requireNonNull(timers, "timers");
        }
    }

    /**
     * One session as the daemon sees it.
     *
     * @param pathDown      the session went from Up to Down because the path failed (not administratively) and has
     *                      not been Up since: what clients withdraw routes for
     * @param txInterval    the negotiated interval between our packets (RFC 5880 §6.8.7)
     * @param rxInterval    the interval we expect the peer's packets at
     * @param detectTime    how long without packets before we declare the path down (§6.8.4); zero before any packet
     * @param discarded     received packets discarded by the §6.8.6 checks
     * @param error         why the session could not be started (e.g. the local address is gone), retried
     */
    record SessionView(String name, InetAddress peer, InetAddress local, Optional<String> interfaceName, BfdState state,
            BfdState remoteState, boolean pathDown, Duration txInterval, Duration rxInterval, Duration detectTime,
            Instant lastStateChange, long packetsIn, long packetsOut, long discarded, Optional<String> error) {
        public SessionView {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(local, "local");
            Objects.requireNonNull(interfaceName, "interfaceName");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(remoteState, "remoteState");
            Objects.requireNonNull(txInterval, "txInterval");
            Objects.requireNonNull(rxInterval, "rxInterval");
            Objects.requireNonNull(detectTime, "detectTime");
            Objects.requireNonNull(lastStateChange, "lastStateChange");
            Objects.requireNonNull(error, "error");
        }

        /** The same session in another state (events report the state they are about). */
        public SessionView inState(BfdState s, boolean down) {
            return new SessionView(name, peer, local, interfaceName, s, remoteState, down, txInterval, rxInterval,
                    detectTime, lastStateChange, packetsIn, packetsOut, discarded, error);
        }
    }
}
