package dev.viaduct.bgp.wire;

import static dev.viaduct.bgp.wire.ErrorCodes.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The extended OPEN optional parameters of RFC 9072 and the Extended Messages of RFC 8654, byte for byte. */
class ExtendedEncodingsTest {
    static final CodecOptions EXTENDED = new CodecOptions(true, true, false);
    static final String MARKER = "ffffffffffffffffffffffffffffffff";

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    // ------------------------------------------------------------------ RFC 9072

    @Test
    void openInTheExtendedFormatIsAccepted() throws BgpDecodeException {
        // version 4, AS 65001, hold 90, id 1.2.3.4, Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm.
        // Length 19; three Capabilities parameters with 2-octet lengths: Route Refresh, 4-octet AS 65001, Extended Message
        byte[] m = hex(MARKER + "0033" + "01" + "04" + "fde9" + "005a" + "01020304" + "ff" + "ff" + "0013"
                + "02" + "0002" + "0200" + "02" + "0006" + "41040000fde9" + "02" + "0002" + "0600");
        BgpMessage.Open o = (BgpMessage.Open) BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS);
        assertThat(o.myAs()).isEqualTo(65001);
        assertThat(o.holdTime()).isEqualTo(90);
        assertThat(o.capabilities()).containsExactly(new Capability.RouteRefreshSupport(), new Capability.FourOctetAs(65001),
                new Capability.ExtendedMessage());
    }

    @Test
    void extendedOpenWhoseLengthsDisagreeIsBadMessageLength() {
        byte[] m = hex(MARKER + "0033" + "01" + "04" + "fde9" + "005a" + "01020304" + "ff" + "ff" + "0014"
                + "02" + "0002" + "0200" + "02" + "0006" + "41040000fde9" + "02" + "0002" + "0600");
        assertThatThrownBy(() -> BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).isInstanceOfSatisfying(BgpDecodeException.class, e -> {
            assertThat(e.code()).isEqualTo(MESSAGE_HEADER);
            assertThat(e.subcode()).isEqualTo(BAD_MESSAGE_LENGTH);
        });
        byte[] overrun = hex(MARKER + "0025" + "01" + "04" + "fde9" + "005a" + "01020304" + "ff" + "ff" + "0005"
                + "02" + "0009" + "0200");
        assertThatThrownBy(() -> BgpCodec.decode(overrun, CodecOptions.FOUR_OCTET_AS)).isInstanceOfSatisfying(BgpDecodeException.class,
                e -> assertThat(e.code()).isEqualTo(OPEN_MESSAGE));
    }

    @Test
    void openWhoseParametersExceed255OctetsUsesTheExtendedFormatAndRoundTrips() throws BgpDecodeException {
        List<Capability> caps = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            caps.add(new Capability.Unknown(200, new byte[] {(byte) i, 1, 2, 3, 4, 5, 6}));
        }
        BgpMessage.Open open = new BgpMessage.Open(4, 65001, 90, 0x01020304, caps);
        byte[] m = BgpCodec.encode(open, CodecOptions.FOUR_OCTET_AS);
        // 30 parameters of 3 + 2 + 7 octets each
        assertThat(HexFormat.of().formatHex(m, 28, 32)).isEqualTo("ffff" + "0168");
        assertThat(HexFormat.of().formatHex(m, 32, 44)).isEqualTo("02" + "0009" + "c807" + "00010203040506");
        assertThat(BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).isEqualTo(open);
    }

    @Test
    void openThatFitsKeepsTheRfc4271Format() {
        BgpMessage.Open open = new BgpMessage.Open(4, 65001, 90, 0x01020304, List.of(new Capability.ExtendedMessage(), new Capability.EnhancedRouteRefresh()));
        assertThat(HexFormat.of().formatHex(BgpCodec.encode(open, CodecOptions.FOUR_OCTET_AS)))
                .isEqualTo(MARKER + "0025" + "01" + "04" + "fde9" + "005a" + "01020304" + "08" + "02020600" + "02024600");
    }

    // ------------------------------------------------------------------ RFC 8654

    static byte[] header(int length, int type) {
        return hex(MARKER + String.format("%04x%02x", length, type));
    }

    @Test
    void capabilitiesOfLengthOtherThanZeroAreMalformed() {
        byte[] m = hex(MARKER + "0022" + "01" + "04" + "fde9" + "005a" + "01020304" + "05" + "0203" + "060100");
        assertThatThrownBy(() -> BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).isInstanceOfSatisfying(BgpDecodeException.class,
                e -> assertThat(e.code()).isEqualTo(OPEN_MESSAGE));
    }

    @Test
    void withoutTheCapabilityAMessageOver4096IsBadMessageLengthWithTheLength() {
        for (int type : new int[] {BgpMessage.TYPE_UPDATE, BgpMessage.TYPE_NOTIFICATION, BgpMessage.TYPE_ROUTE_REFRESH}) {
            assertThatThrownBy(() -> BgpCodec.decodeHeader(header(4097, type), 0, CodecOptions.FOUR_OCTET_AS))
                    .isInstanceOfSatisfying(BgpDecodeException.class, e -> assertThat(e.notification())
                            .isEqualTo(new BgpMessage.Notification(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, new byte[] {0x10, 0x01})));
        }
    }

    @Test
    void withTheCapabilityEverythingButOpenAndKeepaliveMayReach65535() throws BgpDecodeException {
        for (int type : new int[] {BgpMessage.TYPE_UPDATE, BgpMessage.TYPE_NOTIFICATION, BgpMessage.TYPE_ROUTE_REFRESH}) {
            assertThat(BgpCodec.decodeHeader(header(65535, type), 0, EXTENDED).length()).isEqualTo(65535);
        }
        assertThatThrownBy(() -> BgpCodec.decodeHeader(header(4097, BgpMessage.TYPE_OPEN), 0, EXTENDED))
                .isInstanceOfSatisfying(BgpDecodeException.class, e -> assertThat(e.notification())
                        .isEqualTo(new BgpMessage.Notification(MESSAGE_HEADER, BAD_MESSAGE_LENGTH, new byte[] {0x10, 0x01})));
        assertThatThrownBy(() -> BgpCodec.decodeHeader(header(4097, BgpMessage.TYPE_KEEPALIVE), 0, EXTENDED))
                .isInstanceOfSatisfying(BgpDecodeException.class, e -> assertThat(e.subcode()).isEqualTo(BAD_MESSAGE_LENGTH));
    }

    @Test
    void anUpdateOf65535OctetsDecodesWhenNegotiated() throws BgpDecodeException {
        // header 19, lengths 4, ORIGIN + empty AS_PATH + NEXT_HOP 14, then 16,374 /24 prefixes of 4 octets and a
        // /8 of 2: 65,535 octets
        Raw body = Raw.of().u16(0).u16(14).hex("40010100" + "400200" + "4003040a000001");
        int n = 16374;
        for (int i = 0; i < n; i++) {
            body.u8(24, 10 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
        }
        body.u8(8, 11);
        byte[] m = body.message(BgpMessage.TYPE_UPDATE);
        assertThat(m.length).isEqualTo(65535);
        assertThat(((BgpMessage.Update) BgpCodec.decode(m, EXTENDED)).nlri().size()).isEqualTo(n + 1);
        assertThatThrownBy(() -> BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).isInstanceOfSatisfying(BgpDecodeException.class,
                e -> assertThat(e.data()).containsExactly(0xff, 0xff));
    }

    @Test
    void packingFillsTheNegotiatedMaximum() {
        PrefixList.Builder all = PrefixList.builder(Family.IPV4_UNICAST, 20000);
        for (long i = 0; i < 20000; i++) {
            all.addV4((((10L << 24) | (i << 8)) << 8) | 24); // 10.(i>>8).(i&255).0/24 as address << 8 | length
        }
        PrefixList prefixes = all.build();
        List<PathAttribute> attrs = List.of(new PathAttribute.Origin(0), PathAttribute.AsPath.EMPTY, new PathAttribute.NextHop(0x0a000001));
        List<byte[]> plain = new ArrayList<>();
        List<byte[]> extended = new ArrayList<>();
        BgpCodec.packAnnouncements(Family.IPV4_UNICAST, attrs, null, prefixes, CodecOptions.FOUR_OCTET_AS, plain::add);
        BgpCodec.packAnnouncements(Family.IPV4_UNICAST, attrs, null, prefixes, EXTENDED, extended::add);
        assertThat(plain).allSatisfy(m -> assertThat(m.length).isLessThanOrEqualTo(4096));
        assertThat(extended).hasSize(2).allSatisfy(m -> assertThat(m.length).isLessThanOrEqualTo(65535));
        assertThat(extended.getFirst().length).isGreaterThan(65535 - 4);
        List<byte[]> withdrawals = new ArrayList<>();
        BgpCodec.packWithdrawals(Family.IPV4_UNICAST, prefixes, EXTENDED, withdrawals::add);
        assertThat(withdrawals).hasSize(2);
        assertThat(withdrawals.getFirst().length).isGreaterThan(65535 - 4);
    }

    @Test
    void openIsNeverEncodedBeyond4096EvenWithTheCapability() {
        List<Capability> caps = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            caps.add(new Capability.Unknown(200, new byte[250]));
        }
        assertThatThrownBy(() -> BgpCodec.encode(new BgpMessage.Open(4, 65001, 90, 1, caps), EXTENDED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
    }
}
