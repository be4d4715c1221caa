package dev.viaduct.bgp.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Property tests of the codec: every generated message survives encode/decode unchanged, and no byte
 * sequence — random, or a valid message with bytes flipped, cut or inserted — makes the decoder throw
 * anything but {@link BgpDecodeException}.
 */
class CodecPropertiesTest {

    @Property(tries = 400)
    void roundTripFourOctet(@ForAll("messages4") BgpMessage m) throws BgpDecodeException {
        byte[] bytes = BgpCodec.encode(m, CodecOptions.FOUR_OCTET_AS);
        assertThat(BgpCodec.decode(bytes, CodecOptions.FOUR_OCTET_AS)).isEqualTo(m);
    }

    @Property(tries = 200)
    void roundTripTwoOctet(@ForAll("messages2") BgpMessage m) throws BgpDecodeException {
        byte[] bytes = BgpCodec.encode(m, CodecOptions.TWO_OCTET_AS);
        assertThat(BgpCodec.decode(bytes, CodecOptions.TWO_OCTET_AS)).isEqualTo(m);
    }

    @Property(tries = 200)
    void openWithParametersBeyond255OctetsRoundTrips(@ForAll("manyCapabilities") List<Capability> caps) throws BgpDecodeException {
        BgpMessage.Open m = new BgpMessage.Open(4, 65001, 90, 1, caps);
        byte[] bytes = BgpCodec.encode(m, CodecOptions.FOUR_OCTET_AS);
        assertThat(bytes[28] & 0xff).isEqualTo(255); // RFC 9072 format
        assertThat(BgpCodec.decode(bytes, CodecOptions.FOUR_OCTET_AS)).isEqualTo(m);
    }

    @Provide
    Arbitrary<List<Capability>> manyCapabilities() {
        // a 250-octet capability (254 octets as a parameter) and at least four more: always over 255
        return capabilities().list().ofMinSize(4).ofMaxSize(40)
                .map(l -> {
                    List<Capability> out = new ArrayList<>(l);
                    out.add(new Capability.Unknown(200, new byte[250]));
                    return out;
                });
    }

    @Property(tries = 1000)
    void randomBytesGiveOnlyTypedErrors(@ForAll @Size(max = 300) byte[] body, @ForAll @IntRange(min = 1, max = 6) int type,
            @ForAll("options") CodecOptions options) {
        byte[] msg = new byte[19 + body.length];
        java.util.Arrays.fill(msg, 0, 16, (byte) 0xff);
        msg[16] = (byte) (msg.length >> 8);
        msg[17] = (byte) msg.length;
        msg[18] = (byte) type;
        System.arraycopy(body, 0, msg, 19, body.length);
        decodeExpectingOnlyTypedErrors(msg, options);
    }

    /** Every combination of what a session can negotiate that changes decoding (AS width, RFC 8654, RFC 7313). */
    @Provide
    Arbitrary<CodecOptions> options() {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false)).as(CodecOptions::new);
    }

    @Property(tries = 1000)
    void mutatedMessagesGiveOnlyTypedErrors(@ForAll("messages4") BgpMessage m, @ForAll("mutations") List<int[]> mutations,
            @ForAll boolean extended, @ForAll boolean enhanced) {
        byte[] bytes = BgpCodec.encode(m, CodecOptions.FOUR_OCTET_AS);
        for (int[] mu : mutations) {
            int at = Math.floorMod(mu[1], bytes.length);
            switch (mu[0]) {
                case 0 -> bytes[at] = (byte) mu[2];
                case 1 -> bytes = java.util.Arrays.copyOf(bytes, Math.max(19, at));
                default -> {
                    byte[] b = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, b, 0, at);
                    b[at] = (byte) mu[2];
                    System.arraycopy(bytes, at, b, at + 1, bytes.length - at);
                    bytes = b;
                }
            }
        }
        // keep the header's length consistent often enough that the body parsers get exercised
        if (mutations.size() % 2 == 0 && bytes.length >= 19 && bytes.length <= 4096) {
            bytes[16] = (byte) (bytes.length >> 8);
            bytes[17] = (byte) bytes.length;
        }
        decodeExpectingOnlyTypedErrors(bytes, new CodecOptions(true, extended, enhanced));
    }

    private static void decodeExpectingOnlyTypedErrors(byte[] bytes, CodecOptions options) {
        try {
            BgpMessage m = BgpCodec.decode(bytes, 0, bytes.length, options, new ArrayList<>());
            assertThat(m).isNotNull();
        } catch (BgpDecodeException e) {
            assertThat(e.code()).isBetween(1, 7);
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<List<int[]>> mutations() {
        Arbitrary<int[]> one = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers(),
                Arbitraries.integers().between(0, 255)).as((k, at, v) -> new int[] {k, at, v});
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<BgpMessage> messages4() {
        return messages(true);
    }

    @Provide
    Arbitrary<BgpMessage> messages2() {
        return messages(false);
    }

    static Arbitrary<BgpMessage> messages(boolean four) {
        return Arbitraries.oneOf(opens(), updates(four), notifications(), Arbitraries.just(BgpMessage.Keepalive.INSTANCE),
                refreshes());
    }

    static Arbitrary<BgpMessage> refreshes() {
        return Combinators.combine(Arbitraries.integers().between(0, 65535), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 255)).as(BgpMessage.RouteRefresh::new);
    }

    static Arbitrary<BgpMessage> notifications() {
        return Combinators.combine(Arbitraries.integers().between(1, 7), Arbitraries.integers().between(0, 255),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40)).as(BgpMessage.Notification::new);
    }

    static Arbitrary<Capability> capabilities() {
        Arbitrary<Capability> mp = Combinators.combine(Arbitraries.integers().between(0, 65535), Arbitraries.integers().between(0, 255))
                .as(Capability.Multiprotocol::new);
        Arbitrary<Capability> rr = Arbitraries.just(new Capability.RouteRefreshSupport());
        Arbitrary<Capability> four = Arbitraries.longs().between(0, 0xffffffffL).map(Capability.FourOctetAs::new);
        Arbitrary<Capability.GrFamily> grf = Combinators.combine(Arbitraries.integers().between(0, 65535),
                Arbitraries.integers().between(0, 255), Arbitraries.of(true, false)).as(Capability.GrFamily::new);
        Arbitrary<Capability> gr = Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 4095), grf.list().ofMaxSize(4)).as(Capability.GracefulRestart::new);
        Arbitrary<Capability> unknown = Combinators.combine(Arbitraries.integers().between(3, 63).filter(c -> c != Capability.CODE_EXTENDED_MESSAGE),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20)).as(Capability.Unknown::new);
        Arbitrary<Capability> ext = Arbitraries.just(new Capability.ExtendedMessage());
        Arbitrary<Capability> err = Arbitraries.just(new Capability.EnhancedRouteRefresh());
        return Arbitraries.oneOf(mp, rr, four, gr, unknown, ext, err);
    }

    static Arbitrary<BgpMessage> opens() {
        return Combinators.combine(Arbitraries.integers().between(0, 65535),
                Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(3, 65535)),
                Arbitraries.integers().filter(i -> i != 0), capabilities().list().ofMaxSize(6))
                .as((as, hold, id, caps) -> new BgpMessage.Open(4, as, hold, id, caps));
    }

    static Arbitrary<IpPrefix> v4Prefixes() {
        return Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, 32)).as((a, len) -> {
            int mask = len == 0 ? 0 : (int) (0xffffffffL << (32 - len));
            return IpPrefix.v4(a & mask, len);
        });
    }

    static Arbitrary<IpPrefix> v6Prefixes() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), Arbitraries.integers().between(0, 128)).as((hi, lo, len) -> {
            long h = len == 0 ? 0 : len >= 64 ? hi : hi & (-1L << (64 - len));
            long l = len <= 64 ? 0 : len == 128 ? lo : lo & (-1L << (128 - len));
            return IpPrefix.v6(h, l, len);
        });
    }

    static Arbitrary<AsPathSegment> segments(boolean four) {
        Arbitrary<Integer> asn = four ? Arbitraries.integers() : Arbitraries.integers().between(0, 65535);
        return Combinators.combine(Arbitraries.integers().between(1, 4), asn.list().ofMinSize(1).ofMaxSize(6))
                .as((t, l) -> new AsPathSegment(t, l.stream().mapToInt(Integer::intValue).toArray()));
    }

    static Arbitrary<PathAttribute> attributes(boolean four) {
        Arbitrary<Long> u32 = Arbitraries.longs().between(0, 0xffffffffL);
        return Arbitraries.oneOf(
                Arbitraries.integers().between(0, 2).map(PathAttribute.Origin::new),
                segments(four).list().ofMaxSize(3).map(PathAttribute.AsPath::new),
                u32.map(PathAttribute.MultiExitDisc::new),
                u32.map(PathAttribute.LocalPref::new),
                Arbitraries.just(new PathAttribute.AtomicAggregate()),
                Combinators.combine(four ? u32 : Arbitraries.longs().between(0, 65535), Arbitraries.integers()).as(PathAttribute.Aggregator::new),
                Arbitraries.integers().list().ofMinSize(1).ofMaxSize(5).map(l -> new PathAttribute.Communities(l.stream().mapToInt(Integer::intValue).toArray())),
                Arbitraries.integers().map(PathAttribute.OriginatorId::new),
                Arbitraries.integers().list().ofMinSize(1).ofMaxSize(4).map(l -> new PathAttribute.ClusterList(l.stream().mapToInt(Integer::intValue).toArray())),
                segments(true).list().ofMaxSize(2).map(PathAttribute.As4Path::new),
                Combinators.combine(u32, Arbitraries.integers()).as(PathAttribute.As4Aggregator::new),
                Combinators.combine(Arbitraries.of(0xc0, 0x80, 0xe0), Arbitraries.integers().between(19, 255).filter(t -> t != 14 && t != 15 && t != 17 && t != 18),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(300)).as(PathAttribute.Unknown::new),
                v6Prefixes().list().ofMaxSize(8).map(l -> new PathAttribute.MpReach(Family.IPV6_UNICAST, new byte[16], PrefixList.of(Family.IPV6_UNICAST, l))),
                v6Prefixes().list().ofMaxSize(8).map(l -> new PathAttribute.MpUnreach(Family.IPV6_UNICAST, PrefixList.of(Family.IPV6_UNICAST, l))));
    }

    static Arbitrary<BgpMessage> updates(boolean four) {
        // distinct attribute types (a repeated type is a decode error by design); mandatory ones always present
        Arbitrary<List<PathAttribute>> attrs = attributes(four).list().ofMaxSize(6).uniqueElements(PathAttribute::typeCode);
        return Combinators.combine(v4Prefixes().list().ofMaxSize(10), attrs, v4Prefixes().list().ofMaxSize(10), Arbitraries.integers())
                .as((w, a, n, nh) -> {
                    List<PathAttribute> all = new ArrayList<>();
                    boolean announces = !n.isEmpty() || a.stream().anyMatch(x -> x instanceof PathAttribute.MpReach r && !r.nlri().isEmpty());
                    if (announces) {
                        if (a.stream().noneMatch(x -> x instanceof PathAttribute.Origin)) {
                            all.add(new PathAttribute.Origin(0));
                        }
                        if (a.stream().noneMatch(x -> x instanceof PathAttribute.AsPath)) {
                            all.add(PathAttribute.AsPath.EMPTY);
                        }
                        if (!n.isEmpty()) {
                            all.add(new PathAttribute.NextHop(nh == 0 || (nh >>> 24) >= 224 ? 0x0a000001 : nh));
                        }
                    }
                    all.addAll(a);
                    return new BgpMessage.Update(PrefixList.of(Family.IPV4_UNICAST, w), all, PrefixList.of(Family.IPV4_UNICAST, n));
                })
                .filter(u -> BgpCodecSize.fits(u, four)).map(u -> (BgpMessage) u);
    }

    /** Keeps generated UPDATEs within 4096 bytes. */
    static final class BgpCodecSize {
        static boolean fits(BgpMessage.Update u, boolean four) {
            try {
                BgpCodec.encode(u, four ? CodecOptions.FOUR_OCTET_AS : CodecOptions.TWO_OCTET_AS);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }
}
