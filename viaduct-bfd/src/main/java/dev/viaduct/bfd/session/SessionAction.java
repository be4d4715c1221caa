package dev.viaduct.bfd.session;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;

/** What a session asks its driver to do, in order. */
public sealed interface SessionAction {
    /** Send this packet to the peer now (already signed when authentication is in use). */
    record Transmit(ControlPacket packet) implements SessionAction {
    }

    /**
     * The session state changed. {@code remoteAdminDown} says the change to Down was caused by the peer
     * signalling AdminDown: per RFC 5882 §3.2 that is not a path failure, and clients with their own liveness
     * detection (BGP's hold timer) must not tear anything down because of it.
     */
    record StateChanged(BfdState from, BfdState to, Diagnostic diag, boolean remoteAdminDown) implements SessionAction {
    }

    /** A received packet was discarded; the driver counts it under {@code reason}. */
    record Discarded(DiscardReason reason, String detail) implements SessionAction {
    }

    /**
     * Call {@link BfdSession#handle} with a {@link SessionEvent.Tick} at {@code deadlineNanos} (same clock as
     * the {@code nowNanos} passed in); {@link Long#MAX_VALUE} means no timer is running.
     */
    record ArmTimer(long deadlineNanos) implements SessionAction {
    }
}
