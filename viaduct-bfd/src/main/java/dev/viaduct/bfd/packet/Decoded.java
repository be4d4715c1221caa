package dev.viaduct.bfd.packet;

/**
 * The outcome of decoding one received payload: the packet, or the failed reception check. A typed result
 * rather than an exception because discards are routine (a hostile or broken peer can send them at line rate)
 * and must be cheap to count.
 */
public sealed interface Decoded {
    /** The payload passed every packet-only check of RFC 5880 §6.8.6. */
    record Valid(ControlPacket packet) implements Decoded {
    }

    /** The payload failed {@code reason}; {@code detail} names the field and the value seen. */
    record Invalid(DiscardReason reason, String detail) implements Decoded {
    }
}
