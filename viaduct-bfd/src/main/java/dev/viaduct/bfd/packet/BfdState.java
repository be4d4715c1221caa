package dev.viaduct.bfd.packet;

/**
 * The four session states of RFC 5880 §4.1 / §6.2, with their 2-bit wire codes. The same four values are both
 * the State (Sta) field of a packet and the local session state ({@code bfd.SessionState}), so one closed type
 * serves both; switches over it are exhaustive.
 */
public enum BfdState {
    /** 0: the session is held down by its administrator (RFC 5880 §6.8.16). */
    ADMIN_DOWN(0),
    /** 1: no recent valid packets, or the peer said Down. */
    DOWN(1),
    /** 2: the peer is talking to us but has not yet confirmed it hears us. */
    INIT(2),
    /** 3: three-way handshake complete; both directions work. */
    UP(3);

    private final int code;

    BfdState(int code) {
        this.code = code;
    }

    /** The 2-bit Sta field value. */
    public int code() {
        return code;
    }

    /** The state for a 2-bit wire value (every value 0-3 is defined). */
    public static BfdState ofCode(int code) {
        return switch (code) {
            case 0 -> ADMIN_DOWN;
            case 1 -> DOWN;
            case 2 -> INIT;
            case 3 -> UP;
            default -> throw new IllegalArgumentException("BFD state is a 2-bit field, got " + code);
        };
    }
}
