package dev.viaduct.bfd.session;

import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Diagnostic;

/** What can happen to a session; each is handled by {@link BfdSession#handle}. */
public sealed interface SessionEvent {
    /** Begin transmitting (we always take the Active role, RFC 5880 §6.1). */
    record Start() implements SessionEvent {
    }

    /**
     * A packet that passed the codec's checks and was demultiplexed to this session (Your Discriminator, or
     * the addresses when it is zero; RFC 5880 §6.8.6, RFC 5881 §3), with TTL 255 (RFC 5881 §5).
     */
    record Received(ControlPacket packet) implements SessionEvent {
    }

    /** Time passed; fire whatever timers are due. Harmless when none is. */
    record Tick() implements SessionEvent {
    }

    /** Take the session administratively down (RFC 5880 §6.8.16), telling the peer {@code diag}. */
    record AdminDown(Diagnostic diag) implements SessionEvent {
    }

    /** Leave AdminDown: the session restarts from Down (RFC 5880 §6.8.16). */
    record AdminUp() implements SessionEvent {
    }

    /** Change the timer parameters; while Up this runs a Poll Sequence (RFC 5880 §6.8.3). */
    record Reconfigure(Timers timers) implements SessionEvent {
    }

    SessionEvent START = new Start();
    SessionEvent TICK = new Tick();
    SessionEvent ADMIN_UP = new AdminUp();
}
