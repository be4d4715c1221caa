package dev.viaduct.bgp.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Known byte layouts (golden messages) and the packing of UPDATEs. */
class CodecTest {
    @Test
    void keepaliveIsAHeaderOnly() {
        assertThat(HexFormat.of().formatHex(BgpCodec.encode(BgpMessage.Keepalive.INSTANCE, CodecOptions.FOUR_OCTET_AS)))
                .isEqualTo("ffffffffffffffffffffffffffffffff001304");
    }

    @Test
    void openWithCapabilitiesHasTheRfcLayout() throws BgpDecodeException {
        BgpMessage.Open o = new BgpMessage.Open(4, BgpMessage.Open.AS_TRANS, 90, 0x0a000001,
                List.of(new Capability.Multiprotocol(Family.IPV4_UNICAST), new Capability.FourOctetAs(4200000000L)));
        byte[] b = BgpCodec.encode(o, CodecOptions.FOUR_OCTET_AS);
        assertThat(HexFormat.of().formatHex(b)).isEqualTo("ffffffffffffffffffffffffffffffff" + "002d01" + "04" + "5ba0" + "005a" + "0a000001" + "10"
                + "0206" + "010400010001" + "0206" + "4104fa56ea00");
        assertThat(BgpCodec.decode(b, CodecOptions.FOUR_OCTET_AS)).isEqualTo(o);
        assertThat(o.effectiveAs()).isEqualTo(4200000000L);
    }

    @Test
    void twoOctetSessionsEncodeLargeAsAsAsTrans() throws BgpDecodeException {
        BgpMessage.Update u = new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST),
                List.of(new PathAttribute.Origin(0), new PathAttribute.AsPath(List.of(AsPathSegment.sequence(4200000000L, 65001))),
                        new PathAttribute.NextHop(0x0a000001)), PrefixList.of(IpPrefix.parse("10.0.0.0/8")));
        BgpMessage.Update back = (BgpMessage.Update) BgpCodec.decode(BgpCodec.encode(u, CodecOptions.TWO_OCTET_AS), CodecOptions.TWO_OCTET_AS);
        assertThat(back.attribute(PathAttribute.AsPath.class).orElseThrow().segments().getFirst().asn(0)).isEqualTo(23456);
    }

    @Test
    void endOfRibMarkers() throws BgpDecodeException {
        for (Family f : Family.values()) {
            byte[] b = BgpCodec.encode(BgpMessage.Update.endOfRib(f), CodecOptions.FOUR_OCTET_AS);
            assertThat(((BgpMessage.Update) BgpCodec.decode(b, CodecOptions.FOUR_OCTET_AS)).endOfRibFamily()).contains(f);
        }
        assertThat(BgpCodec.encode(BgpMessage.Update.endOfRib(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS)).hasSize(23);
    }

    @Test
    void trailingBitsPastThePrefixLengthAreCleared() throws BgpDecodeException {
        byte[] m = Raw.update(Raw.concat(Raw.ORIGIN_IGP, Raw.EMPTY_AS_PATH, Raw.NEXT_HOP_10_0_0_1), new byte[] {9, 10, (byte) 0xff});
        assertThat(((BgpMessage.Update) BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).nlri()).containsExactly(IpPrefix.parse("10.128.0.0/9"));
    }

    @Test
    void announcementsArePackedIntoFewFullUpdates() throws BgpDecodeException {
        PrefixList.Builder b = PrefixList.builder(Family.IPV4_UNICAST, 5000);
        for (int i = 0; i < 5000; i++) {
            b.add(IpPrefix.v4(0x0b000000 + (i << 8), 24));
        }
        PrefixList all = b.build();
        List<byte[]> out = new ArrayList<>();
        List<PathAttribute> attrs = List.of(new PathAttribute.Origin(0), PathAttribute.AsPath.EMPTY, new PathAttribute.NextHop(0x0a000001));
        BgpCodec.packAnnouncements(Family.IPV4_UNICAST, attrs, null, all, CodecOptions.FOUR_OCTET_AS, out::add);
        // (4096 - 19 - 4 - 18) / 4 = 1013 prefixes per message
        assertThat(out).hasSize(5);
        List<IpPrefix> back = new ArrayList<>();
        for (byte[] m : out) {
            assertThat(m.length).isLessThanOrEqualTo(4096);
            back.addAll(((BgpMessage.Update) BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).nlri());
        }
        assertThat(back).isEqualTo(all);
    }

    @Test
    void ipv6AnnouncementsAndWithdrawalsArePackedInMpAttributes() throws BgpDecodeException {
        PrefixList.Builder b = PrefixList.builder(Family.IPV6_UNICAST, 1000);
        for (int i = 0; i < 1000; i++) {
            b.add(IpPrefix.v6(0xfd00000000000000L | ((long) i << 16), 0, 48));
        }
        PrefixList all = b.build();
        List<byte[]> ann = new ArrayList<>();
        BgpCodec.packAnnouncements(Family.IPV6_UNICAST, List.of(new PathAttribute.Origin(0), PathAttribute.AsPath.EMPTY), new byte[16], all,
                CodecOptions.FOUR_OCTET_AS, ann::add);
        List<byte[]> wd = new ArrayList<>();
        BgpCodec.packWithdrawals(Family.IPV6_UNICAST, all, CodecOptions.FOUR_OCTET_AS, wd::add);
        assertThat(ann).hasSize(2);
        List<IpPrefix> a = new ArrayList<>();
        for (byte[] m : ann) {
            a.addAll(((BgpMessage.Update) BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).attribute(PathAttribute.MpReach.class).orElseThrow().nlri());
        }
        List<IpPrefix> w = new ArrayList<>();
        for (byte[] m : wd) {
            w.addAll(((BgpMessage.Update) BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).attribute(PathAttribute.MpUnreach.class).orElseThrow().withdrawn());
        }
        assertThat(a).isEqualTo(all);
        assertThat(w).isEqualTo(all);
    }

    @Test
    void oversizedMessageIsRefusedWhenEncoding() {
        BgpMessage.Update u = new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST),
                List.of(new PathAttribute.Unknown(0xc0, 99, new byte[5000])), PrefixList.empty(Family.IPV4_UNICAST));
        assertThatThrownBy(() -> BgpCodec.encode(u, CodecOptions.FOUR_OCTET_AS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4096");
    }

    @Test
    void prefixTextForms() {
        assertThat(IpPrefix.parse("10.244.3.0/26").toString()).isEqualTo("10.244.3.0/26");
        assertThat(IpPrefix.parse("fd00:0:0:1::/64").toString()).isEqualTo("fd00:0:0:1::/64");
        assertThat(IpPrefix.parse("::/0").toString()).isEqualTo("::/0");
        assertThat(IpPrefix.parse("2001:db8::1").toString()).isEqualTo("2001:db8::1/128");
        assertThatThrownBy(() -> IpPrefix.parseNetwork("10.244.3.1/26")).hasMessageContaining("host bits").hasMessageContaining("10.244.3.0/26");
        assertThatThrownBy(() -> IpPrefix.parse("example.com/8")).hasMessageContaining("not an IP address");
        assertThat(IpPrefix.parse("10.0.0.0/8").contains(IpPrefix.parse("10.1.0.0/16"))).isTrue();
        assertThat(IpPrefix.parse("10.0.0.0/8").contains(IpPrefix.parse("11.0.0.0/16"))).isFalse();
    }

    @Test
    void packedPrefixesAreNetworks() {
        assertThat(Family.of(IpPrefix.parse("fd00::/64"))).isEqualTo(Family.IPV6_UNICAST);
        assertThat(Family.ofNetwork(IpPrefix.parse("10.244.3.0/26"))).isEqualTo(Family.IPV4_UNICAST);
        assertThatThrownBy(() -> PrefixList.of(IpPrefix.parse("10.244.3.1/26"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host bits").hasMessageContaining("10.244.3.0/26");
        assertThatThrownBy(() -> PrefixList.of(IpPrefix.parse("fd00::1/64"))).hasMessageContaining("fd00::/64");
        PrefixList l = PrefixList.of(IpPrefix.parse("10.244.3.0/26"), IpPrefix.parse("10.0.0.1/32"));
        assertThat(l).containsExactly(IpPrefix.parse("10.244.3.0/26"), IpPrefix.parse("10.0.0.1/32"));
    }
}
