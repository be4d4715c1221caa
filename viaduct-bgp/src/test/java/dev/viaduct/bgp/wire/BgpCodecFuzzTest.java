package dev.viaduct.bgp.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.viaduct.testsupport.FuzzBounds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz targets for the BGP codec (Jazzer). Without {@code JAZZER_FUZZ=1} each target replays
 * its corpus in {@code src/test/resources/dev/viaduct/bgp/wire/BgpCodecFuzzTestInputs/<target>/} as a plain
 * test; with it, Jazzer mutates from that corpus ({@code bench/fuzz/run}).
 *
 * <p>The property: a peer's bytes decode to a message or throw {@link BgpDecodeException} carrying a
 * NOTIFICATION code of RFC 4271 §4.5 — never another exception — and a decoded message re-encodes to bytes
 * that decode to an equal message, under every set of options a session can negotiate; one input takes at most
 * {@link FuzzBounds#SECONDS_PER_INPUT} and allocates at most {@link FuzzBounds#BYTES_PER_INPUT}.
 */
class BgpCodecFuzzTest {
    /**
     * Every combination a session can negotiate: 2- or 4-octet AS (RFC 6793 §4), Extended Messages (RFC 8654:
     * UPDATE, NOTIFICATION and ROUTE-REFRESH up to 65,535 octets) and Enhanced Route Refresh (RFC 7313: BoRR,
     * EoRR and the 7/1 error).
     */
    private static final List<CodecOptions> BOTH_WIDTHS = allOptions();

    private static List<CodecOptions> allOptions() {
        List<CodecOptions> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(new CodecOptions((i & 1) != 0, (i & 2) != 0, (i & 4) != 0));
        }
        return List.copyOf(all);
    }

    /** A whole message, header included, as read from the socket. */
    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void message(byte[] wire) {
        FuzzBounds.within(() -> {
            for (CodecOptions options : BOTH_WIDTHS) {
                decodeAndRoundTrip(wire, options);
            }
        });
    }

    /**
     * The path attribute field of an UPDATE that announces 10.0.0.0/8 (RFC 4271 §4.3), so the attribute
     * decoders and the RFC 7606 error handling see every mutation rather than the header checks.
     */
    @FuzzTest
    @Timeout(FuzzBounds.SECONDS_PER_INPUT)
    void pathAttributes(byte[] attributes) {
        if (attributes.length > BgpCodec.MAX_MESSAGE_LENGTH - BgpCodec.HEADER_LENGTH - 4 - 2) {
            return;
        }
        byte[] wire = updateWith(attributes);
        FuzzBounds.within(() -> {
            for (CodecOptions options : BOTH_WIDTHS) {
                List<AttributeError> soft = decodeAndRoundTrip(wire, options);
                if (soft.stream().anyMatch(e -> e.action() == AttributeError.Action.TREAT_AS_WITHDRAW)) {
                    BgpMessage.Update u = decodeUpdate(wire, options);
                    // RFC 7606 §2: treat-as-withdraw leaves no announcement behind, only withdrawals (an
                    // MP_UNREACH of a family the codec does not know stays raw)
                    assertThat(u.nlri().size()).as("NLRI after treat-as-withdraw").isZero();
                    assertThat(u.attributes()).allMatch(a -> a instanceof PathAttribute.MpUnreach
                            || a instanceof PathAttribute.Unknown raw && raw.typeCode() == PathAttribute.MP_UNREACH_NLRI);
                }
            }
        });
    }

    /** Decodes {@code wire}; returns the RFC 7606 errors it reported (empty if it threw). */
    private static List<AttributeError> decodeAndRoundTrip(byte[] wire, CodecOptions options) {
        List<AttributeError> soft = new ArrayList<>();
        BgpMessage m;
        try {
            m = BgpCodec.decode(wire, 0, wire.length, options, soft);
        } catch (BgpDecodeException e) {
            assertThat(e.code()).as("NOTIFICATION code of %s", e).isBetween(ErrorCodes.MESSAGE_HEADER, ErrorCodes.ROUTE_REFRESH_MESSAGE);
            assertThat(e.getMessage()).isNotBlank();
            return List.of();
        }
        assertThat(soft).allSatisfy(err -> assertThat(err.subcode()).isBetween(ErrorCodes.MALFORMED_ATTRIBUTE_LIST, ErrorCodes.MALFORMED_AS_PATH));
        byte[] again = BgpCodec.encode(m, options);
        try {
            assertThat(BgpCodec.decode(again, options)).as("re-decoded %s", m).isEqualTo(m);
        } catch (BgpDecodeException e) {
            throw new AssertionError("re-encoding of " + m + " does not decode: " + e, e);
        }
        return soft;
    }

    private static BgpMessage.Update decodeUpdate(byte[] wire, CodecOptions options) {
        try {
            return (BgpMessage.Update) BgpCodec.decode(wire, 0, wire.length, options, new ArrayList<>());
        } catch (BgpDecodeException e) {
            throw new AssertionError("decoded once, not twice: " + e, e);
        }
    }

    static byte[] updateWith(byte[] attributes) {
        byte[] nlri = {8, 10};
        int length = BgpCodec.HEADER_LENGTH + 2 + 2 + attributes.length + nlri.length;
        byte[] wire = new byte[length];
        Arrays.fill(wire, 0, 16, (byte) 0xff);
        wire[16] = (byte) (length >> 8);
        wire[17] = (byte) length;
        wire[18] = BgpMessage.TYPE_UPDATE;
        wire[21] = (byte) (attributes.length >> 8);
        wire[22] = (byte) attributes.length;
        System.arraycopy(attributes, 0, wire, 23, attributes.length);
        System.arraycopy(nlri, 0, wire, 23 + attributes.length, nlri.length);
        return wire;
    }
}
