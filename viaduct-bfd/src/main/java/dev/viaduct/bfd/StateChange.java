package dev.viaduct.bfd;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import java.time.Instant;

/**
 * A session changed state. {@link #signal()} says what a client (the agent's BGP session or host-gw routes)
 * should make of it, following RFC 5882.
 *
 * @param remoteAdminDown the session went Down because the peer signalled AdminDown
 * @param at              wall-clock time of the change
 * @param nanoTime        {@link System#nanoTime()} at the change, for measuring reaction times
 */
public record StateChange(SessionKey session, BfdState from, BfdState to, Diagnostic diagnostic, boolean remoteAdminDown,
        Instant at, long nanoTime) {

    /** What a BFD client should do about a state change (RFC 5882 §3.2, §4.2). */
    public enum ClientSignal {
        /** The session reached Up: the path works both ways. */
        UP,
        /**
         * The path failed (detection time expired, or the peer said Down): tear down the dependent BGP session and
         * withdraw the peer's routes at once, graceful restart notwithstanding (RFC 5882 §4.3.1: our BFD shares
         * fate with our control plane, but a peer's detected failure means its forwarding is gone).
         */
        PATH_DOWN,
        /**
         * Left Up administratively, on our side or the peer's: BFD was switched off, the path did not fail.
         * RFC 5882 §3.2: clients with their own liveness detection (BGP hold timer) take no action.
         */
        ADMIN_DOWN,
        /** A step of the handshake or a change away from Up that was not reached from Up; nothing to do. */
        NONE
    }

    public ClientSignal signal() {
        if (to == BfdState.UP) {
            return ClientSignal.UP;
        }
        if (from != BfdState.UP) {
            return ClientSignal.NONE;
        }
        if (to == BfdState.ADMIN_DOWN || remoteAdminDown) {
            return ClientSignal.ADMIN_DOWN;
        }
        return ClientSignal.PATH_DOWN;
    }

    @Override
    public String toString() {
        return "StateChange[" + session + " " + from + "->" + to + " diag=" + diagnostic
                + (remoteAdminDown ? " remoteAdminDown" : "") + " signal=" + signal() + " at=" + at + "]";
    }
}
