package dev.viaduct.bfd.packet;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Encodes and decodes BFD control packets (RFC 5880 §4). Pure and thread-safe.
 *
 * <p>{@link #decode} applies, in the RFC's order, every reception check of §6.8.6 that depends only on the
 * packet, plus the structural checks the RFC implies for the authentication section; checks that need a
 * session (demultiplexing, authentication against a key, sequence numbers) are the session's. It never throws
 * on any input: every failure is a {@link Decoded.Invalid} naming the check.
 */
public final class BfdCodec {
    private static final int FLAG_POLL = 0x20;
    private static final int FLAG_FINAL = 0x10;
    private static final int FLAG_CPI = 0x08;
    private static final int FLAG_AUTH = 0x04;
    private static final int FLAG_DEMAND = 0x02;
    private static final int FLAG_MULTIPOINT = 0x01;

    private BfdCodec() {
    }

    /** The packet's wire form: exactly {@link ControlPacket#length()} bytes. */
    public static byte[] encode(ControlPacket p) {
        ByteBuffer b = ByteBuffer.allocate(p.length());
        b.put((byte) (ControlPacket.VERSION << 5 | p.diag().code()));
        int flags = p.state().code() << 6
                | (p.poll() ? FLAG_POLL : 0)
                | (p.fin() ? FLAG_FINAL : 0)
                | (p.controlPlaneIndependent() ? FLAG_CPI : 0)
                | (p.authenticationPresent() ? FLAG_AUTH : 0)
                | (p.demand() ? FLAG_DEMAND : 0)
                | (p.multipoint() ? FLAG_MULTIPOINT : 0);
        b.put((byte) flags);
        b.put((byte) p.detectMult());
        b.put((byte) p.length());
        b.putInt((int) p.myDiscriminator());
        b.putInt((int) p.yourDiscriminator());
        b.putInt((int) p.desiredMinTxMicros());
        b.putInt((int) p.requiredMinRxMicros());
        b.putInt((int) p.requiredMinEchoRxMicros());
        if (p.auth().isPresent()) {
            AuthSection a = p.auth().get();
            b.put((byte) a.type().code());
            b.put((byte) a.length());
            switch (a) {
                case AuthSection.SimplePassword s -> {
                    b.put((byte) s.keyId());
                    b.put(s.password());
                }
                case AuthSection.KeyedDigest k -> {
                    b.put((byte) k.keyId());
                    b.put((byte) k.reserved());
                    b.putInt((int) k.sequence());
                    b.put(k.digest());
                }
            }
        }
        return b.array();
    }

    /**
     * Decodes the UDP payload between {@code payload}'s position and limit (its remaining bytes are "the payload
     * of the encapsulating protocol" of §6.8.6). The buffer's position is not changed.
     */
    public static Decoded decode(ByteBuffer payload) {
        int base = payload.position();
        int available = payload.remaining();
        if (available < 1) {
            return invalid(DiscardReason.TRUNCATED, "empty payload");
        }
        int b0 = payload.get(base) & 0xff;
        int version = b0 >>> 5;
        if (version != ControlPacket.VERSION) {
            return invalid(DiscardReason.BAD_VERSION, "Version " + version + ", expected 1");
        }
        if (available < 4) {
            return invalid(DiscardReason.TRUNCATED, "payload of " + available + " bytes has no Length field");
        }
        int flags = payload.get(base + 1) & 0xff;
        boolean authBit = (flags & FLAG_AUTH) != 0;
        int detectMult = payload.get(base + 2) & 0xff;
        int length = payload.get(base + 3) & 0xff;
        int minimum = authBit ? ControlPacket.MANDATORY_LENGTH + 2 : ControlPacket.MANDATORY_LENGTH;
        if (length < minimum) {
            return invalid(DiscardReason.LENGTH_BELOW_MINIMUM,
                    "Length " + length + " below the minimum " + minimum + " (A bit " + (authBit ? "set" : "clear") + ")");
        }
        if (length > available) {
            return invalid(DiscardReason.LENGTH_EXCEEDS_PAYLOAD, "Length " + length + " exceeds the " + available + "-byte UDP payload");
        }
        if (detectMult == 0) {
            return invalid(DiscardReason.DETECT_MULT_ZERO, "Detect Mult is 0");
        }
        if ((flags & FLAG_MULTIPOINT) != 0) {
            return invalid(DiscardReason.MULTIPOINT_SET, "Multipoint (M) bit is set");
        }
        boolean poll = (flags & FLAG_POLL) != 0;
        boolean fin = (flags & FLAG_FINAL) != 0;
        if (poll && fin) {
            return invalid(DiscardReason.POLL_AND_FINAL, "both Poll (P) and Final (F) are set");
        }
        long myDisc = Integer.toUnsignedLong(payload.getInt(base + 4));
        if (myDisc == 0) {
            return invalid(DiscardReason.MY_DISCRIMINATOR_ZERO, "My Discriminator is 0");
        }
        long yourDisc = Integer.toUnsignedLong(payload.getInt(base + 8));
        BfdState state = BfdState.ofCode(flags >>> 6);
        if (yourDisc == 0 && state != BfdState.DOWN && state != BfdState.ADMIN_DOWN) {
            return invalid(DiscardReason.YOUR_DISCRIMINATOR_ZERO_NOT_DOWN, "Your Discriminator is 0 but State is " + state);
        }
        Optional<AuthSection> auth = Optional.empty();
        if (authBit) {
            int typeCode = payload.get(base + 24) & 0xff;
            int authLen = payload.get(base + 25) & 0xff;
            AuthType type = AuthType.ofCode(typeCode);
            if (type == null) {
                return invalid(DiscardReason.AUTH_SECTION_MALFORMED, "Auth Type " + typeCode + " is reserved");
            }
            boolean lenOk = type == AuthType.SIMPLE_PASSWORD ? authLen >= 4 && authLen <= 19 : authLen == 8 + type.digestLength();
            if (!lenOk) {
                return invalid(DiscardReason.AUTH_SECTION_MALFORMED, "Auth Len " + authLen + " is wrong for " + type
                        + (type == AuthType.SIMPLE_PASSWORD ? " (4-19)" : " (" + (8 + type.digestLength()) + ")"));
            }
            if (ControlPacket.MANDATORY_LENGTH + authLen != length) {
                return invalid(DiscardReason.LENGTH_MISMATCH, "Length " + length + " but the mandatory section plus Auth Len "
                        + authLen + " is " + (ControlPacket.MANDATORY_LENGTH + authLen));
            }
            int keyId = payload.get(base + 26) & 0xff;
            if (type == AuthType.SIMPLE_PASSWORD) {
                byte[] password = new byte[authLen - 3];
                payload.get(base + 27, password);
                auth = Optional.of(new AuthSection.SimplePassword(keyId, password));
            } else {
                int reserved = payload.get(base + 27) & 0xff;
                long sequence = Integer.toUnsignedLong(payload.getInt(base + 28));
                byte[] digest = new byte[type.digestLength()];
                payload.get(base + 32, digest);
                auth = Optional.of(new AuthSection.KeyedDigest(type, keyId, reserved, sequence, digest));
            }
        } else if (length != ControlPacket.MANDATORY_LENGTH) {
            return invalid(DiscardReason.LENGTH_MISMATCH, "Length " + length + " but the A bit is clear (24 bytes expected)");
        }
        ControlPacket p = new ControlPacket(new Diagnostic(b0 & 0x1f), state, poll, fin, (flags & FLAG_CPI) != 0,
                (flags & FLAG_DEMAND) != 0, false, detectMult, myDisc, yourDisc,
                Integer.toUnsignedLong(payload.getInt(base + 12)), Integer.toUnsignedLong(payload.getInt(base + 16)),
                Integer.toUnsignedLong(payload.getInt(base + 20)), auth);
        return new Decoded.Valid(p);
    }

    /** Decodes a whole byte array (the UDP payload). */
    public static Decoded decode(byte[] payload) {
        return decode(ByteBuffer.wrap(payload));
    }

    private static Decoded invalid(DiscardReason reason, String detail) {
        return new Decoded.Invalid(reason, detail);
    }
}
