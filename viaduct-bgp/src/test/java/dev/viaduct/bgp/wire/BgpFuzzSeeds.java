package dev.viaduct.bgp.wire;

import dev.viaduct.sys.net.IpPrefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the encoder-built seeds of {@link BgpCodecFuzzTest}'s corpus: every message type, every capability
 * and every path attribute the codec knows, IPv4 and IPv6 (MP_REACH/MP_UNREACH), in both AS widths.
 * {@code java -cp <test-classes>:<classes> dev.viaduct.bgp.wire.BgpFuzzSeeds src/test/resources/dev/viaduct/bgp/wire/BgpCodecFuzzTestInputs}
 */
public final class BgpFuzzSeeds {
    private BgpFuzzSeeds() {
    }

    static Map<String, BgpMessage> messages() {
        Map<String, BgpMessage> m = new LinkedHashMap<>();
        m.put("open-all-capabilities", new BgpMessage.Open(4, 23456, 90, 0x0a000001, List.of(
                new Capability.Multiprotocol(1, 1), new Capability.Multiprotocol(2, 1), new Capability.RouteRefreshSupport(),
                new Capability.GracefulRestart(true, true, 120, List.of(new Capability.GrFamily(1, 1, true), new Capability.GrFamily(2, 1, false))),
                new Capability.FourOctetAs(4_200_000_001L), new Capability.Unknown(73, new byte[] {4, 'n', 'o', 'd', 'e'}))));
        m.put("open-no-capabilities", new BgpMessage.Open(4, 65001, 0, 0x0a000002, List.of()));
        // over 255 octets of optional parameters: encoded in the RFC 9072 extended format
        List<Capability> many = new java.util.ArrayList<>(List.of(new Capability.ExtendedMessage(), new Capability.EnhancedRouteRefresh(),
                new Capability.RouteRefreshSupport(), new Capability.FourOctetAs(65001)));
        for (int i = 0; i < 40; i++) {
            many.add(new Capability.Unknown(200 + i % 50, new byte[] {1, 2, 3, 4, 5, (byte) i}));
        }
        m.put("open-rfc9072-extended-parameters", new BgpMessage.Open(4, 65001, 90, 0x0a000003, many));
        m.put("route-refresh-borr", new BgpMessage.RouteRefresh(Family.IPV4_UNICAST, 1));
        m.put("route-refresh-eorr", new BgpMessage.RouteRefresh(Family.IPV6_UNICAST, 2));
        m.put("keepalive", BgpMessage.Keepalive.INSTANCE);
        m.put("notification-cease", new BgpMessage.Notification(6, 2, "shutdown".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        m.put("route-refresh-v6", new BgpMessage.RouteRefresh(2, 0, 1));
        m.put("update-end-of-rib", new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST), List.of(), PrefixList.empty(Family.IPV4_UNICAST)));
        m.put("update-v4-all-attributes", new BgpMessage.Update(PrefixList.of(IpPrefix.parse("10.9.0.0/16")), allAttributes(),
                PrefixList.of(IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("10.244.2.64/26"), IpPrefix.parse("0.0.0.0/0"))));
        m.put("update-v6-mp-reach", new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST), List.of(
                PathAttribute.Origin.IGP_ORIGIN, new PathAttribute.AsPath(List.of(AsPathSegment.sequence(65001, 65002))),
                new PathAttribute.MpReach(Family.IPV6_UNICAST, ipv6NextHops(),
                        PrefixList.of(IpPrefix.parse("fd00:244:1::/64"), IpPrefix.parse("2001:db8::1/128")))),
                PrefixList.empty(Family.IPV4_UNICAST)));
        m.put("update-v6-mp-unreach", new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST), List.of(
                new PathAttribute.MpUnreach(Family.IPV6_UNICAST, PrefixList.of(IpPrefix.parse("fd00:244:2::/64")))),
                PrefixList.empty(Family.IPV4_UNICAST)));
        m.put("update-v4-mp-reach", new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST), List.of(
                PathAttribute.Origin.IGP_ORIGIN, PathAttribute.AsPath.EMPTY,
                new PathAttribute.MpReach(Family.IPV4_UNICAST, new byte[] {10, 0, 0, 1}, PrefixList.of(IpPrefix.parse("10.1.0.0/16")))),
                PrefixList.empty(Family.IPV4_UNICAST)));
        return m;
    }

    /** One of every attribute type the codec decodes, plus an unknown optional transitive one. */
    static List<PathAttribute> allAttributes() {
        return List.of(new PathAttribute.Origin(PathAttribute.Origin.INCOMPLETE),
                new PathAttribute.AsPath(List.of(AsPathSegment.sequence(23456, 65002), AsPathSegment.set(65010, 65011))),
                new PathAttribute.NextHop(0x0a000001), new PathAttribute.MultiExitDisc(100), new PathAttribute.LocalPref(200),
                new PathAttribute.AtomicAggregate(), new PathAttribute.Aggregator(65001, 0x0a000001),
                new PathAttribute.Communities(new int[] {0xfde80001, 0xffffff01}), new PathAttribute.OriginatorId(0x0a000009),
                new PathAttribute.ClusterList(new int[] {0x0a000001, 0x0a000002}),
                new PathAttribute.As4Path(List.of(AsPathSegment.sequence(4_200_000_001L, 65002))),
                new PathAttribute.As4Aggregator(4_200_000_001L, 0x0a000001),
                new PathAttribute.Unknown(PathAttribute.FLAG_OPTIONAL | PathAttribute.FLAG_TRANSITIVE, 32, new byte[12]));
    }

    private static byte[] ipv6NextHops() {
        byte[] nh = new byte[32];
        nh[0] = (byte) 0xfd;
        nh[15] = 1;
        nh[16] = (byte) 0xfe;
        nh[17] = (byte) 0x80;
        nh[31] = 1;
        return nh;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir.resolve("message"));
        Files.createDirectories(dir.resolve("pathAttributes"));
        for (var e : messages().entrySet()) {
            for (CodecOptions o : List.of(CodecOptions.TWO_OCTET_AS, CodecOptions.FOUR_OCTET_AS)) {
                String width = o.fourOctetAs() ? "-as4" : "-as2";
                byte[] wire = BgpCodec.encode(e.getValue(), o);
                Files.write(dir.resolve("message").resolve(e.getKey() + width), wire);
                if (e.getValue() instanceof BgpMessage.Update) {
                    // the attribute field alone: after the header, withdrawn routes and the attribute length
                    int wlen = (wire[19] & 0xff) << 8 | wire[20] & 0xff;
                    int at = BgpCodec.HEADER_LENGTH + 2 + wlen;
                    int alen = (wire[at] & 0xff) << 8 | wire[at + 1] & 0xff;
                    Files.write(dir.resolve("pathAttributes").resolve(e.getKey() + width), Arrays.copyOfRange(wire, at + 2, at + 2 + alen));
                }
            }
        }
    }
}
