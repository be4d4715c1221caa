package dev.viaduct.bfd.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Field layout of the encoder and every packet-only reception check of RFC 5880 §6.8.6 in the decoder. */
class BfdCodecTest {
    static final ControlPacket UP = new ControlPacket(Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, BfdState.UP, true, false, true,
            false, false, 3, 0x11223344L, 0xAABBCCDDL, 100_000, 200_000, 0, Optional.empty());

    @Test
    void encodesEveryFieldWhereRfc5880Section41PutsIt() {
        byte[] wire = BfdCodec.encode(UP);
        assertThat(HexFormat.of().formatHex(wire)).isEqualTo(
                "23" // version 1 << 5 | diag 3
                        + "e8" // state Up (3) << 6 | P (0x20) | C (0x08)
                        + "03" + "18" // detect mult 3, length 24
                        + "11223344" + "aabbccdd" + "000186a0" + "00030d40" + "00000000");
    }

    @Test
    void decodesWhatItEncodes() {
        assertThat(BfdCodec.decode(BfdCodec.encode(UP))).isEqualTo(new Decoded.Valid(UP));
    }

    @Test
    void decodesFromByteBufferPositionWithoutMovingIt() {
        byte[] wire = BfdCodec.encode(UP);
        ByteBuffer b = ByteBuffer.allocate(wire.length + 5);
        b.position(5);
        b.put(wire);
        b.position(5);
        assertThat(BfdCodec.decode(b)).isEqualTo(new Decoded.Valid(UP));
        assertThat(b.position()).isEqualTo(5);
    }

    @Test
    void authenticationSectionsRoundTripAndSetTheABitAndLength() {
        ControlPacket simple = UP.withAuth(Optional.of(new AuthSection.SimplePassword(9, "pw".getBytes())));
        byte[] wire = BfdCodec.encode(simple);
        assertThat(wire).hasSize(24 + 5);
        assertThat(wire[1] & 0x04).isEqualTo(0x04);
        assertThat(wire[3]).isEqualTo((byte) 29);
        assertThat(HexFormat.of().formatHex(wire, 24, 29)).isEqualTo("0105097077");
        assertThat(BfdCodec.decode(wire)).isEqualTo(new Decoded.Valid(simple));

        ControlPacket sha1 = UP.withAuth(Optional.of(new AuthSection.KeyedDigest(AuthType.METICULOUS_KEYED_SHA1, 2, 0x55,
                0xFFFF_FFFEL, new byte[20])));
        wire = BfdCodec.encode(sha1);
        assertThat(wire).hasSize(52);
        assertThat(HexFormat.of().formatHex(wire, 24, 32)).isEqualTo("051c0255fffffffe");
        assertThat(BfdCodec.decode(wire)).isEqualTo(new Decoded.Valid(sha1));
    }

    // ---------------------------------------------------------------- §6.8.6 checks, one mutation each

    @Test
    void emptyPayloadIsTruncated() {
        assertReason(new byte[0], DiscardReason.TRUNCATED);
    }

    @Test
    void versionOtherThanOneIsDiscarded() {
        assertMutation(w -> w[0] = (byte) (2 << 5 | 3), DiscardReason.BAD_VERSION, "Version 2");
        assertMutation(w -> w[0] = 0, DiscardReason.BAD_VERSION, "Version 0");
    }

    @Test
    void payloadWithoutLengthFieldIsTruncated() {
        assertReason(new byte[] {0x20, 0x40, 3}, DiscardReason.TRUNCATED);
    }

    @Test
    void lengthBelowMinimumIsDiscarded() {
        assertMutation(w -> w[3] = 23, DiscardReason.LENGTH_BELOW_MINIMUM, "Length 23 below the minimum 24");
        // with the A bit set the minimum is 26
        assertMutation(w -> {
            w[1] |= 0x04;
            w[3] = 25;
        }, DiscardReason.LENGTH_BELOW_MINIMUM, "minimum 26");
    }

    @Test
    void lengthBeyondThePayloadIsDiscarded() {
        assertMutation(w -> w[3] = 25, DiscardReason.LENGTH_EXCEEDS_PAYLOAD, "Length 25 exceeds the 24-byte");
        byte[] shortPayload = java.util.Arrays.copyOf(BfdCodec.encode(UP), 20);
        assertReason(shortPayload, DiscardReason.LENGTH_EXCEEDS_PAYLOAD);
    }

    @Test
    void lengthLongerThanTheSectionsIsDiscarded() {
        byte[] wire = java.util.Arrays.copyOf(BfdCodec.encode(UP), 28);
        wire[3] = 28;
        assertThat(BfdCodec.decode(wire)).isEqualTo(new Decoded.Invalid(DiscardReason.LENGTH_MISMATCH,
                "Length 28 but the A bit is clear (24 bytes expected)"));
    }

    @Test
    void trailingBytesBeyondLengthAreIgnored() {
        byte[] wire = java.util.Arrays.copyOf(BfdCodec.encode(UP), 40);
        assertThat(BfdCodec.decode(wire)).isEqualTo(new Decoded.Valid(UP));
    }

    @Test
    void zeroDetectMultIsDiscarded() {
        assertMutation(w -> w[2] = 0, DiscardReason.DETECT_MULT_ZERO, "Detect Mult is 0");
    }

    @Test
    void multipointBitIsDiscarded() {
        assertReason(BfdCodec.encode(new ControlPacket(Diagnostic.NONE, BfdState.DOWN, false, false, false, false, true, 3, 1, 0,
                1_000_000, 1_000_000, 0, Optional.empty())), DiscardReason.MULTIPOINT_SET);
    }

    @Test
    void pollAndFinalTogetherAreDiscarded() {
        assertMutation(w -> w[1] |= 0x30, DiscardReason.POLL_AND_FINAL, "both Poll (P) and Final (F)");
    }

    @Test
    void zeroMyDiscriminatorIsDiscarded() {
        assertMutation(w -> {
            w[4] = 0;
            w[5] = 0;
            w[6] = 0;
            w[7] = 0;
        }, DiscardReason.MY_DISCRIMINATOR_ZERO, "My Discriminator is 0");
    }

    @Test
    void zeroYourDiscriminatorOnlyInDownOrAdminDown() {
        for (BfdState s : BfdState.values()) {
            ControlPacket p = ControlPacket.of(Diagnostic.NONE, s, false, false, 3, 7, 0, 1_000_000, 1_000_000);
            Decoded d = BfdCodec.decode(BfdCodec.encode(p));
            if (s == BfdState.DOWN || s == BfdState.ADMIN_DOWN) {
                assertThat(d).as(s.toString()).isEqualTo(new Decoded.Valid(p));
            } else {
                assertThat(d).as(s.toString()).isEqualTo(new Decoded.Invalid(DiscardReason.YOUR_DISCRIMINATOR_ZERO_NOT_DOWN,
                        "Your Discriminator is 0 but State is " + s));
            }
        }
    }

    @Test
    void reservedAuthTypeAndWrongAuthLenAreMalformed() {
        byte[] wire = BfdCodec.encode(UP.withAuth(Optional.of(new AuthSection.KeyedDigest(AuthType.KEYED_MD5, 1, 0, 5, new byte[16]))));
        byte[] reserved = wire.clone();
        reserved[24] = 6;
        assertThat(BfdCodec.decode(reserved)).isEqualTo(new Decoded.Invalid(DiscardReason.AUTH_SECTION_MALFORMED, "Auth Type 6 is reserved"));
        byte[] zero = wire.clone();
        zero[24] = 0;
        assertReason(zero, DiscardReason.AUTH_SECTION_MALFORMED);
        byte[] badLen = wire.clone();
        badLen[25] = 28;
        assertThat(BfdCodec.decode(badLen)).isEqualTo(new Decoded.Invalid(DiscardReason.AUTH_SECTION_MALFORMED,
                "Auth Len 28 is wrong for KEYED_MD5 (24)"));
        byte[] lengthDisagrees = wire.clone();
        lengthDisagrees[24] = 1; // simple password with Auth Len 24: 21 bytes of password is too long
        assertReason(lengthDisagrees, DiscardReason.AUTH_SECTION_MALFORMED);
        byte[] simple = BfdCodec.encode(UP.withAuth(Optional.of(new AuthSection.SimplePassword(1, "abcd".getBytes()))));
        simple[25] = 6; // claims a 3-byte password inside a 31-byte packet
        assertThat(BfdCodec.decode(simple)).isEqualTo(new Decoded.Invalid(DiscardReason.LENGTH_MISMATCH,
                "Length 31 but the mandatory section plus Auth Len 6 is 30"));
    }

    @Test
    void checksRunInTheRfcOrder() {
        // version is checked before the length, detect mult before the M bit, the M bit before My Discriminator
        byte[] all = new byte[24];
        all[0] = (byte) (3 << 5);
        assertReason(all, DiscardReason.BAD_VERSION);
        all[0] = 1 << 5;
        all[1] = 0x01;
        all[3] = 24;
        assertReason(all, DiscardReason.DETECT_MULT_ZERO);
        all[2] = 3;
        assertReason(all, DiscardReason.MULTIPOINT_SET);
        all[1] = 0;
        assertReason(all, DiscardReason.MY_DISCRIMINATOR_ZERO);
    }

    private static void assertMutation(Consumer<byte[]> mutate, DiscardReason reason, String detailPart) {
        byte[] wire = BfdCodec.encode(UP);
        mutate.accept(wire);
        Decoded d = BfdCodec.decode(wire);
        assertThat(d).isInstanceOf(Decoded.Invalid.class);
        assertThat(((Decoded.Invalid) d).reason()).isEqualTo(reason);
        assertThat(((Decoded.Invalid) d).detail()).contains(detailPart);
    }

    private static void assertReason(byte[] wire, DiscardReason reason) {
        Decoded d = BfdCodec.decode(wire);
        assertThat(d).isInstanceOf(Decoded.Invalid.class);
        assertThat(((Decoded.Invalid) d).reason()).isEqualTo(reason);
    }
}
