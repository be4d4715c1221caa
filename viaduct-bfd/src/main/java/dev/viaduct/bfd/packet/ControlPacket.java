package dev.viaduct.bfd.packet;

import java.util.Objects;
import java.util.Optional;

/**
 * A BFD control packet (RFC 5880 §4.1), decoded into an immutable value.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
 * |                       My Discriminator                        |
 * |                      Your Discriminator                       |
 * |                    Desired Min TX Interval                    |
 * |                   Required Min RX Interval                    |
 * |                 Required Min Echo RX Interval                 |
 * |   Auth Type   |   Auth Len    |    Authentication Data...     |  (only when A is set)
 * </pre>
 *
 * <p>The Version is always 1 (the only version; the decoder rejects others), the A bit is "an authentication
 * section is present" and the Length is derived from the sections, so none of them can disagree with the
 * content. 32-bit unsigned fields are {@code long}s in 0..2^32-1; intervals are in microseconds as on the wire.
 * The Multipoint bit is representable (so tests can build the packets a receiver must reject) but a sender
 * never sets it.
 *
 * @param diag                    the sender's reason for its last state change
 * @param state                   the sender's session state
 * @param poll                    P: the sender asks for a Final (a Poll Sequence, §6.5)
 * @param fin                     F: this packet answers a Poll
 * @param controlPlaneIndependent C: the sender's BFD does not share fate with its control plane
 * @param demand                  D: the sender asks us to stop periodic transmission (§6.6)
 * @param multipoint              M: reserved for point-to-multipoint; must be zero
 * @param detectMult              the sender's detection time multiplier, 1-255 on a valid packet
 * @param myDiscriminator         the sender's discriminator for this session
 * @param yourDiscriminator       the sender's copy of our discriminator, 0 if not yet known
 * @param desiredMinTxMicros      the fastest interval the sender wants to transmit at
 * @param requiredMinRxMicros     the fastest interval the sender can receive at (0: send me nothing)
 * @param requiredMinEchoRxMicros echo packets the sender can take (0: no echo function)
 * @param auth                    the authentication section, present exactly when the A bit is set
 */
public record ControlPacket(
        Diagnostic diag,
        BfdState state,
        boolean poll,
        boolean fin,
        boolean controlPlaneIndependent,
        boolean demand,
        boolean multipoint,
        int detectMult,
        long myDiscriminator,
        long yourDiscriminator,
        long desiredMinTxMicros,
        long requiredMinRxMicros,
        long requiredMinEchoRxMicros,
        Optional<AuthSection> auth) {

    /** The protocol version this codec speaks (RFC 5880 §4.1). */
    public static final int VERSION = 1;
    /** Length of the mandatory section (§4.1). */
    public static final int MANDATORY_LENGTH = 24;

    public ControlPacket {
        Objects.requireNonNull(diag, "diag");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(auth, "auth");
        if (detectMult < 0 || detectMult > 255) {
            throw new IllegalArgumentException("detect mult is one byte (0-255), got " + detectMult);
        }
        checkU32("my discriminator", myDiscriminator);
        checkU32("your discriminator", yourDiscriminator);
        checkU32("desired min tx interval", desiredMinTxMicros);
        checkU32("required min rx interval", requiredMinRxMicros);
        checkU32("required min echo rx interval", requiredMinEchoRxMicros);
    }

    /**
     * A packet as a session sends it: no Multipoint, no Demand, no Control Plane Independence, no echo, no
     * authentication (add it with {@link Authentication#sign}).
     */
    public static ControlPacket of(Diagnostic diag, BfdState state, boolean poll, boolean fin, int detectMult,
            long myDiscriminator, long yourDiscriminator, long desiredMinTxMicros, long requiredMinRxMicros) {
        return new ControlPacket(diag, state, poll, fin, false, false, false, detectMult, myDiscriminator,
                yourDiscriminator, desiredMinTxMicros, requiredMinRxMicros, 0, Optional.empty());
    }

    /** Always {@link #VERSION}: a decoded packet of any other version is rejected. */
    public int version() {
        return VERSION;
    }

    /** The A bit. */
    public boolean authenticationPresent() {
        return auth.isPresent();
    }

    /** The Length field: 24 plus the authentication section's Auth Len. */
    public int length() {
        return MANDATORY_LENGTH + auth.map(AuthSection::length).orElse(0);
    }

    /** The same packet with another authentication section (or none). */
    public ControlPacket withAuth(Optional<AuthSection> section) {
        return new ControlPacket(diag, state, poll, fin, controlPlaneIndependent, demand, multipoint, detectMult,
                myDiscriminator, yourDiscriminator, desiredMinTxMicros, requiredMinRxMicros, requiredMinEchoRxMicros,
                section);
    }

    private static void checkU32(String field, long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(field + " is 32 bits unsigned, got " + v);
        }
    }
}
