package dev.viaduct.bgp.rib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bgp.wire.AsPathSegment;
import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PathAttribute;
import dev.viaduct.bgp.wire.PrefixList;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The RIB on its own: decision process, ECMP, reflection, export rules, policy, graceful restart, packing. */
class RibTest {
    static final long LOCAL_AS = 65000;
    static final int ROUTER_ID = ip("10.0.0.1");
    static final int CLUSTER = ip("10.0.0.100");
    static final long S = 1_000_000_000L;

    final List<List<BestPathChange>> events = new ArrayList<>();
    final Map<String, Long> costs = new HashMap<>();
    final Rib rib = new Rib(new Rib.Settings(LOCAL_AS, ROUTER_ID, CLUSTER, true, 100, 60),
            nh -> costs.getOrDefault(nh.getHostAddress(), 0L), events::add);
    final Map<RibPeer, List<byte[]>> sent = new HashMap<>();

    static int ip(String s) {
        byte[] b = IpAddresses.parse(s).getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    RibPeer peer(String name, long as, boolean rrClient, Policy in, Policy out, String address, Capability.GracefulRestart gr) {
        RibPeer p = rib.addPeer(new RibPeer.Settings(name, as, rrClient, false, in, out, null, null));
        List<byte[]> box = new ArrayList<>();
        sent.put(p, box);
        rib.peerUp(p, new RibPeer.Session(IpAddresses.parse(address), ip(address), IpAddresses.parse("10.0.0.1"),
                Set.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST), CodecOptions.FOUR_OCTET_AS, true, gr, box::add), 0);
        box.clear(); // the End-of-RIB markers of the initial dump
        return p;
    }

    RibPeer peer(String name, long as, String address) {
        return peer(name, as, false, null, null, address, null);
    }

    static RouteAttrs.Builder attrs(String nextHop, long... asPath) {
        RouteAttrs.Builder b = RouteAttrs.builder().nextHop(IpAddresses.parse(nextHop));
        if (asPath.length > 0) {
            b.asPath(List.of(AsPathSegment.sequence(asPath)));
        }
        return b;
    }

    void announce(RibPeer p, RouteAttrs a, String... prefixes) {
        List<IpPrefix> l = new ArrayList<>();
        for (String s : prefixes) {
            l.add(IpPrefix.parse(s));
        }
        rib.apply(p, new InboundUpdate(null, List.of(), List.of(new InboundUpdate.Announcement(PrefixList.of(Family.of(l.getFirst()), l), a))), 0);
        rib.flush();
    }

    void withdraw(RibPeer p, String... prefixes) {
        List<IpPrefix> l = new ArrayList<>();
        for (String s : prefixes) {
            l.add(IpPrefix.parse(s));
        }
        rib.apply(p, new InboundUpdate(null, List.of(PrefixList.of(Family.of(l.getFirst()), l)), List.of()), 0);
        rib.flush();
    }

    List<RibRoute> best(String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return rib.locRib(Family.of(p)).stream().filter(r -> r.prefix().equals(p) && r.best()).toList();
    }

    String bestSource(String prefix) {
        List<RibRoute> b = best(prefix);
        return b.isEmpty() ? null : b.getFirst().source();
    }

    BestPathChange lastEvent(String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        BestPathChange last = null;
        for (List<BestPathChange> batch : events) {
            for (BestPathChange c : batch) {
                if (c.prefix().equals(p)) {
                    last = c;
                }
            }
        }
        return last;
    }

    List<BgpMessage.Update> updates(RibPeer p) {
        return decodeUpdates(sent.get(p));
    }

    /** What a peer's session was handed, decoded (the RIB only ever sends UPDATEs). */
    static List<BgpMessage.Update> decodeUpdates(List<byte[]> sent) {
        List<BgpMessage.Update> out = new ArrayList<>();
        for (byte[] b : sent) {
            try {
                out.add((BgpMessage.Update) BgpCodec.decode(b, CodecOptions.FOUR_OCTET_AS));
            } catch (BgpDecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    List<IpPrefix> announcedTo(RibPeer p) {
        List<IpPrefix> out = new ArrayList<>();
        for (BgpMessage.Update u : updates(p)) {
            out.addAll(u.nlri());
            u.attribute(PathAttribute.MpReach.class).ifPresent(r -> out.addAll(r.nlri()));
        }
        return out;
    }

    List<IpPrefix> withdrawnTo(RibPeer p) {
        List<IpPrefix> out = new ArrayList<>();
        for (BgpMessage.Update u : updates(p)) {
            out.addAll(u.withdrawn());
            u.attribute(PathAttribute.MpUnreach.class).ifPresent(r -> out.addAll(r.withdrawn()));
        }
        return out;
    }

    // ------------------------------------------------------------------ decision (RFC 4271 §9.1.2.2)

    @Test
    void higherLocalPrefWinsThenShorterPathThenLowerOrigin() {
        RibPeer a = peer("a", LOCAL_AS, "10.0.0.2");
        RibPeer b = peer("b", LOCAL_AS, "10.0.0.3");
        announce(a, attrs("10.0.0.2", 1, 2, 3).localPref(200).build(), "10.1.0.0/16");
        announce(b, attrs("10.0.0.3", 1).localPref(100).build(), "10.1.0.0/16");
        assertThat(bestSource("10.1.0.0/16")).isEqualTo("a");
        announce(a, attrs("10.0.0.2", 1, 2, 3).localPref(100).build(), "10.1.0.0/16");
        assertThat(bestSource("10.1.0.0/16")).isEqualTo("b");
        announce(a, attrs("10.0.0.2", 7).localPref(100).origin(0).build(), "10.1.0.0/16");
        announce(b, attrs("10.0.0.3", 8).localPref(100).origin(2).build(), "10.1.0.0/16");
        assertThat(bestSource("10.1.0.0/16")).isEqualTo("a");
    }

    @Test
    void medIsComparedOnlyBetweenRoutesFromTheSameNeighbourAs() {
        RibPeer a = peer("a", 65001, "10.0.0.2");
        RibPeer b = peer("b", 65001, "10.0.0.3");
        RibPeer c = peer("c", 65002, "10.0.0.4");
        announce(a, attrs("10.0.0.2", 65001, 9).med(50).build(), "10.2.0.0/16");
        announce(b, attrs("10.0.0.3", 65001, 9).med(10).build(), "10.2.0.0/16");
        announce(c, attrs("10.0.0.4", 65002, 9).med(0).build(), "10.2.0.0/16");
        // a loses to b on MED; c is from another AS so MED does not compare; b and c tie -> ECMP, router ID picks b
        BestPathChange e = lastEvent("10.2.0.0/16");
        assertThat(e.nextHops()).extracting(InetAddress::getHostAddress).containsExactlyInAnyOrder("10.0.0.3", "10.0.0.4");
        assertThat(bestSource("10.2.0.0/16")).isEqualTo("b");
    }

    @Test
    void ebgpBeatsIbgpAndLowerIgpCostBeatsHigher() {
        RibPeer i = peer("i", LOCAL_AS, "10.0.0.2");
        RibPeer e = peer("e", 65001, "10.0.0.3");
        announce(i, attrs("10.0.0.2", 65001).build(), "10.3.0.0/16");
        announce(e, attrs("10.0.0.3", 65001).build(), "10.3.0.0/16");
        assertThat(bestSource("10.3.0.0/16")).isEqualTo("e");
        RibPeer i2 = peer("i2", LOCAL_AS, "10.0.0.4");
        costs.put("10.0.0.2", 20L);
        costs.put("10.0.0.4", 10L);
        announce(i, attrs("10.0.0.2", 65001).build(), "10.4.0.0/16");
        announce(i2, attrs("10.0.0.4", 65001).build(), "10.4.0.0/16");
        assertThat(bestSource("10.4.0.0/16")).isEqualTo("i2");
        assertThat(lastEvent("10.4.0.0/16").nextHops()).hasSize(1);
    }

    @Test
    void equalPathsFormAnEcmpSetThatShrinksAndGrows() {
        RibPeer a = peer("a", LOCAL_AS, "10.0.0.2");
        RibPeer b = peer("b", LOCAL_AS, "10.0.0.3");
        RibPeer c = peer("c", LOCAL_AS, "10.0.0.4");
        announce(a, attrs("10.0.0.2").build(), "10.244.1.0/26");
        announce(b, attrs("10.0.0.3").build(), "10.244.1.0/26");
        announce(c, attrs("10.0.0.4").build(), "10.244.1.0/26");
        assertThat(lastEvent("10.244.1.0/26").nextHops()).extracting(InetAddress::getHostAddress)
                .containsExactly("10.0.0.2", "10.0.0.3", "10.0.0.4"); // best (lowest router ID) first
        withdraw(b, "10.244.1.0/26");
        assertThat(lastEvent("10.244.1.0/26").nextHops()).extracting(InetAddress::getHostAddress).containsExactly("10.0.0.2", "10.0.0.4");
        withdraw(a, "10.244.1.0/26");
        withdraw(c, "10.244.1.0/26");
        assertThat(lastEvent("10.244.1.0/26").withdrawn()).isTrue();
        assertThat(rib.locRibSize(Family.IPV4_UNICAST)).isZero();
    }

    @Test
    void unreachableNextHopIsExcludedUntilItResolves() {
        RibPeer a = peer("a", LOCAL_AS, "10.0.0.2");
        costs.put("192.0.2.9", NextHopResolver.UNREACHABLE);
        announce(a, attrs("192.0.2.9").build(), "10.5.0.0/16");
        assertThat(best("10.5.0.0/16")).isEmpty();
        assertThat(rib.locRibSize(Family.IPV4_UNICAST)).isZero();
        assertThat(rib.candidatePrefixes(Family.IPV4_UNICAST)).isEqualTo(1);
        costs.put("192.0.2.9", 5L);
        rib.reresolveNextHops();
        rib.flush();
        assertThat(bestSource("10.5.0.0/16")).isEqualTo("a");
        assertThat(lastEvent("10.5.0.0/16").nextHops()).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.9");
    }

    @Test
    void pathWithOurAsIsALoopAndNeverBest() {
        RibPeer e = peer("e", 65001, "10.0.0.3");
        announce(e, attrs("10.0.0.3", 65001, LOCAL_AS, 65009).build(), "10.6.0.0/16");
        assertThat(best("10.6.0.0/16")).isEmpty();
        assertThat(e.adjRibIn(Family.IPV4_UNICAST)).hasSize(1); // still in the Adj-RIB-In
    }

    @Test
    void localRoutesWinAndGoToEveryone() {
        RibPeer i = peer("i", LOCAL_AS, "10.0.0.2");
        RibPeer e = peer("e", 65001, "10.0.0.3");
        announce(i, attrs("10.0.0.2").localPref(500).build(), "10.244.0.0/26");
        rib.originate(LocalRoute.of(IpPrefix.parse("10.244.0.0/26")));
        rib.flush();
        assertThat(bestSource("10.244.0.0/26")).isEqualTo("local");
        assertThat(lastEvent("10.244.0.0/26").local()).isTrue();
        assertThat(announcedTo(e)).contains(IpPrefix.parse("10.244.0.0/26"));
        assertThat(rib.withdrawLocal(IpPrefix.parse("10.244.0.0/26"))).isTrue();
        rib.flush();
        assertThat(bestSource("10.244.0.0/26")).isEqualTo("i");
    }

    @Test
    void localRoutesAndPrefixRangesAreNetworks() {
        // a host bit past the length would make a key no decoded NLRI (RFC 4271 §4.3) ever equals
        assertThatThrownBy(() -> LocalRoute.of(IpPrefix.parse("10.244.0.1/26"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host bits").hasMessageContaining("10.244.0.0/26");
        assertThatThrownBy(() -> Policy.PrefixRange.orLonger(IpPrefix.parse("10.99.1.0/16"))).hasMessageContaining("10.99.0.0/16");
        assertThat(rib.locRib(Family.IPV4_UNICAST)).isEmpty();
    }

    // ------------------------------------------------------------------ export rules

    @Test
    void ebgpExportPrependsOurAsSetsNextHopSelfAndDropsLocalPrefAndForeignMed() {
        RibPeer i = peer("i", LOCAL_AS, "10.0.0.2");
        RibPeer e1 = peer("e1", 65001, "10.0.0.3");
        RibPeer e2 = peer("e2", 65002, "10.0.0.4");
        announce(e1, attrs("10.0.0.3", 65001).med(7).build(), "10.7.0.0/16");
        BgpMessage.Update u = updates(e2).getLast();
        assertThat(u.attribute(PathAttribute.AsPath.class).orElseThrow().segments().getFirst().asns()).containsExactly((int) LOCAL_AS, 65001);
        assertThat(u.attribute(PathAttribute.NextHop.class).orElseThrow().inet().getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(u.attribute(PathAttribute.LocalPref.class)).isEmpty();
        assertThat(u.attribute(PathAttribute.MultiExitDisc.class)).isEmpty();
        // to iBGP: next hop unchanged, LOCAL_PREF added, MED kept
        BgpMessage.Update ui = updates(i).getLast();
        assertThat(ui.attribute(PathAttribute.NextHop.class).orElseThrow().inet().getHostAddress()).isEqualTo("10.0.0.3");
        assertThat(ui.attribute(PathAttribute.LocalPref.class).orElseThrow().value()).isEqualTo(100);
        assertThat(ui.attribute(PathAttribute.MultiExitDisc.class).orElseThrow().value()).isEqualTo(7);
        // never back to the sender
        assertThat(announcedTo(e1)).isEmpty();
    }

    @Test
    void ibgpRoutesAreNotSentToOtherIbgpPeersWithoutReflection() {
        RibPeer a = peer("a", LOCAL_AS, "10.0.0.2");
        RibPeer b = peer("b", LOCAL_AS, "10.0.0.3");
        RibPeer e = peer("e", 65001, "10.0.0.4");
        announce(a, attrs("10.0.0.2").build(), "10.8.0.0/16");
        assertThat(announcedTo(b)).isEmpty();
        assertThat(announcedTo(e)).containsExactly(IpPrefix.parse("10.8.0.0/16"));
    }

    @Test
    void reflectorRules() {
        RibPeer c1 = peer("c1", LOCAL_AS, true, null, null, "10.0.0.2", null);
        RibPeer c2 = peer("c2", LOCAL_AS, true, null, null, "10.0.0.3", null);
        RibPeer n1 = peer("n1", LOCAL_AS, "10.0.0.4");
        RibPeer n2 = peer("n2", LOCAL_AS, "10.0.0.5");
        announce(c1, attrs("10.0.0.2").build(), "10.9.0.0/16");
        // client route: to the other client and to non-clients, with ORIGINATOR_ID and our CLUSTER_ID
        for (RibPeer p : List.of(c2, n1, n2)) {
            BgpMessage.Update u = updates(p).getLast();
            assertThat(u.nlri()).containsExactly(IpPrefix.parse("10.9.0.0/16"));
            assertThat(u.attribute(PathAttribute.OriginatorId.class).orElseThrow().id()).isEqualTo(ip("10.0.0.2"));
            assertThat(u.attribute(PathAttribute.ClusterList.class).orElseThrow().ids()).containsExactly(CLUSTER);
            assertThat(u.attribute(PathAttribute.NextHop.class).orElseThrow().inet().getHostAddress()).isEqualTo("10.0.0.2");
        }
        assertThat(announcedTo(c1)).isEmpty();
        // non-client route: to clients only
        announce(n1, attrs("10.0.0.4").build(), "10.10.0.0/16");
        assertThat(announcedTo(c1)).contains(IpPrefix.parse("10.10.0.0/16"));
        assertThat(announcedTo(c2)).contains(IpPrefix.parse("10.10.0.0/16"));
        assertThat(announcedTo(n2)).doesNotContain(IpPrefix.parse("10.10.0.0/16"));
    }

    @Test
    void reflectionLoopsAreDroppedOnReceipt() {
        InboundUpdate.Context ctx = new InboundUpdate.Context(LOCAL_AS, ROUTER_ID, CLUSTER, LOCAL_AS, true, null);
        List<PathAttribute> base = List.of(new PathAttribute.Origin(0), PathAttribute.AsPath.EMPTY, new PathAttribute.NextHop(ip("10.0.0.9")),
                new PathAttribute.LocalPref(100));
        List<PathAttribute> ownOriginator = new ArrayList<>(base);
        ownOriginator.add(new PathAttribute.OriginatorId(ROUTER_ID));
        List<PathAttribute> ownCluster = new ArrayList<>(base);
        ownCluster.add(new PathAttribute.ClusterList(new int[] {ip("10.0.0.200"), CLUSTER}));
        for (List<PathAttribute> attrs : List.of(ownOriginator, ownCluster)) {
            List<dev.viaduct.bgp.wire.AttributeError> problems = new ArrayList<>();
            InboundUpdate u = InboundUpdate.convert(new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST), attrs,
                    PrefixList.of(IpPrefix.parse("10.11.0.0/16"))), ctx, problems);
            assertThat(u.announced()).isEmpty();
            assertThat(u.withdrawn()).singleElement().satisfies(l -> assertThat(l).containsExactly(IpPrefix.parse("10.11.0.0/16")));
            assertThat(problems).singleElement().extracting(dev.viaduct.bgp.wire.AttributeError::detail).asString().contains("RFC 4456");
        }
    }

    @Test
    void ebgpRouteNotStartingWithThePeersAsIsTreatedAsWithdrawn() {
        InboundUpdate.Context ctx = new InboundUpdate.Context(LOCAL_AS, ROUTER_ID, CLUSTER, 65001, true, null);
        List<dev.viaduct.bgp.wire.AttributeError> problems = new ArrayList<>();
        InboundUpdate u = InboundUpdate.convert(new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST),
                List.of(new PathAttribute.Origin(0), new PathAttribute.AsPath(List.of(AsPathSegment.sequence(65009))),
                        new PathAttribute.NextHop(ip("10.0.0.9")), new PathAttribute.LocalPref(300)),
                PrefixList.of(IpPrefix.parse("10.12.0.0/16"))), ctx, problems);
        assertThat(u.announced()).isEmpty();
        assertThat(problems).singleElement().satisfies(p -> assertThat(p.subcode()).isEqualTo(dev.viaduct.bgp.wire.ErrorCodes.MALFORMED_AS_PATH));
    }

    @Test
    void confederationSegmentsFromAnExternalPeerAreTreatedAsWithdrawn() throws BgpDecodeException {
        // ORIGIN IGP; AS_PATH: AS_SEQUENCE [65001], AS_CONFED_SEQUENCE [65100]; NEXT_HOP 10.0.0.9; NLRI 10.13.0.0/16
        byte[] wire = java.util.HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff" + "0034" + "02" + "0000" + "001a"
                + "40010100" + "4002" + "0c" + "0201" + "0000fde9" + "0301" + "0000fe4c" + "400304" + "0a000009" + "100a0d");
        BgpMessage.Update u = (BgpMessage.Update) BgpCodec.decode(wire, CodecOptions.FOUR_OCTET_AS);
        List<dev.viaduct.bgp.wire.AttributeError> problems = new ArrayList<>();
        InboundUpdate ebgp = InboundUpdate.convert(u, new InboundUpdate.Context(LOCAL_AS, ROUTER_ID, CLUSTER, 65001, true, null), problems);
        assertThat(ebgp.announced()).isEmpty();
        assertThat(ebgp.withdrawn()).singleElement().satisfies(l -> assertThat(l).containsExactly(IpPrefix.parse("10.13.0.0/16")));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.action()).isEqualTo(dev.viaduct.bgp.wire.AttributeError.Action.TREAT_AS_WITHDRAW);
            assertThat(p.subcode()).isEqualTo(dev.viaduct.bgp.wire.ErrorCodes.MALFORMED_AS_PATH);
            assertThat(p.detail()).contains("AS_CONFED_SEQUENCE", "RFC 5065");
        });
        problems.clear();
        // the same path inside the AS is not ours to judge: accepted
        InboundUpdate ibgp = InboundUpdate.convert(u, new InboundUpdate.Context(LOCAL_AS, ROUTER_ID, CLUSTER, LOCAL_AS, true, null), problems);
        assertThat(ibgp.announced()).hasSize(1);
        assertThat(problems).isEmpty();
    }

    @Test
    void confederationSegmentsAreNeverExportedToAnExternalPeer() {
        RibPeer internal = peer("i", LOCAL_AS, "10.0.0.3");
        RibPeer external = peer("e", 65002, "10.0.0.4");
        RouteAttrs withConfed = attrs("10.0.0.3").asPath(List.of(new AsPathSegment(AsPathSegment.AS_CONFED_SET, new int[] {65100, 65101}),
                AsPathSegment.sequence(65001))).build();
        announce(internal, withConfed, "10.14.0.0/16");
        BgpMessage.Update sentOut = updates(external).getLast();
        PathAttribute.AsPath path = sentOut.attributes().stream().filter(a -> a instanceof PathAttribute.AsPath)
                .map(a -> (PathAttribute.AsPath) a).findFirst().orElseThrow();
        assertThat(path.segments()).containsExactly(AsPathSegment.sequence(LOCAL_AS, 65001));
    }

    @Test
    void localPrefFromAnExternalPeerIsIgnoredAndAs4PathIsMergedFromOldSpeakers() {
        InboundUpdate.Context ctx = new InboundUpdate.Context(LOCAL_AS, ROUTER_ID, CLUSTER, 65001, false, null);
        InboundUpdate u = InboundUpdate.convert(new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST),
                List.of(new PathAttribute.Origin(0), new PathAttribute.AsPath(List.of(AsPathSegment.sequence(65001, 23456, 23456))),
                        new PathAttribute.NextHop(ip("10.0.0.9")), new PathAttribute.LocalPref(300),
                        new PathAttribute.As4Path(List.of(AsPathSegment.sequence(4200000001L, 4200000002L)))),
                PrefixList.of(IpPrefix.parse("10.13.0.0/16"))), ctx, new ArrayList<>());
        RouteAttrs a = u.announced().getFirst().attrs();
        assertThat(a.localPref()).isEqualTo(RouteAttrs.ABSENT);
        assertThat(a.asPath().getFirst().asns()).containsExactly(65001, (int) 4200000001L, (int) 4200000002L);
    }

    @Test
    void twoOctetPeersGetAsTransAndAs4Path() throws BgpDecodeException {
        RibPeer e = rib.addPeer(new RibPeer.Settings("old", 65001, false, false, null, null, null, null));
        List<byte[]> box = new ArrayList<>();
        rib.peerUp(e, new RibPeer.Session(IpAddresses.parse("10.0.0.3"), ip("10.0.0.3"), IpAddresses.parse("10.0.0.1"),
                Set.of(Family.IPV4_UNICAST), CodecOptions.TWO_OCTET_AS, false, null, box::add), 0);
        RibPeer src = peer("src", 4200000001L, "10.0.0.4");
        announce(src, attrs("10.0.0.4", 4200000001L).build(), "10.14.0.0/16");
        BgpMessage.Update u = (BgpMessage.Update) BgpCodec.decode(box.getLast(), CodecOptions.TWO_OCTET_AS);
        assertThat(u.attribute(PathAttribute.AsPath.class).orElseThrow().segments().getFirst().asns()).containsExactly((int) LOCAL_AS, 23456);
        assertThat(u.attribute(PathAttribute.As4Path.class).orElseThrow().segments().getFirst().asns())
                .containsExactly((int) LOCAL_AS, (int) 4200000001L);
    }

    @Test
    void unknownOptionalTransitiveAttributesArePassedOnWithThePartialBit() {
        RibPeer a = peer("a", 65001, "10.0.0.2");
        RibPeer b = peer("b", 65002, "10.0.0.3");
        InboundUpdate.Context ctx = new InboundUpdate.Context(LOCAL_AS, ROUTER_ID, CLUSTER, 65001, true, null);
        InboundUpdate u = InboundUpdate.convert(new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST),
                List.of(new PathAttribute.Origin(0), new PathAttribute.AsPath(List.of(AsPathSegment.sequence(65001))),
                        new PathAttribute.NextHop(ip("10.0.0.2")), new PathAttribute.Unknown(0xc0, 99, new byte[] {1}),
                        new PathAttribute.Unknown(0x80, 98, new byte[] {2})),
                PrefixList.of(IpPrefix.parse("10.15.0.0/16"))), ctx, new ArrayList<>());
        rib.apply(a, u, 0);
        rib.flush();
        BgpMessage.Update out = updates(b).getLast();
        assertThat(out.attributes()).contains(new PathAttribute.Unknown(0xe0, 99, new byte[] {1}));
        assertThat(out.attributes()).noneMatch(x -> x instanceof PathAttribute.Unknown k && k.typeCode() == 98);
    }

    @Test
    void announcementsSharingAttributesArePackedAndWithdrawalsToo() {
        RibPeer a = peer("a", 65001, "10.0.0.2");
        RibPeer b = peer("b", 65002, "10.0.0.3");
        String[] many = new String[2000];
        for (int i = 0; i < many.length; i++) {
            many[i] = "11." + (i / 256) + "." + (i % 256) + ".0/24";
        }
        announce(a, attrs("10.0.0.2", 65001).build(), many);
        assertThat(updates(b)).hasSize(2); // 1013 /24s fit one UPDATE
        assertThat(announcedTo(b)).hasSize(2000);
        sent.get(b).clear();
        withdraw(a, many);
        assertThat(updates(b)).hasSize(2);
        assertThat(withdrawnTo(b)).hasSize(2000);
        assertThat(b.adjRibOut(Family.IPV4_UNICAST)).isEmpty();
    }

    // ------------------------------------------------------------------ policy

    @Test
    void importPolicyFiltersAndSetsAttributesExportPolicyToo() {
        Policy in = new Policy(List.of(
                Policy.Term.reject(List.of(Policy.PrefixRange.orLonger(IpPrefix.parse("10.99.0.0/16")))),
                new Policy.Term(null, List.of(65001 << 16 | 1), 0, -1, true, 300L, null, List.of(65000 << 16 | 9)),
                new Policy.Term(null, null, 3, -1, false, null, null, null)), true);
        Policy out = new Policy(List.of(Policy.Term.accept(List.of(new Policy.PrefixRange(IpPrefix.parse("10.0.0.0/8"), 16, 16)))), false);
        RibPeer a = peer("a", 65001, false, in, null, "10.0.0.2", null);
        RibPeer b = peer("b", 65002, false, null, out, "10.0.0.3", null);
        announce(a, attrs("10.0.0.2", 65001).build(), "10.99.1.0/24", "10.20.0.0/16", "10.21.1.0/24");
        announce(a, attrs("10.0.0.2", 65001).communities(new int[] {65001 << 16 | 1}).build(), "10.22.0.0/16");
        announce(a, attrs("10.0.0.2", 65001, 2, 3).build(), "10.23.0.0/16");
        assertThat(best("10.99.1.0/24")).isEmpty();
        assertThat(best("10.23.0.0/16")).isEmpty(); // AS path length 3 rejected
        RibRoute tagged = best("10.22.0.0/16").getFirst();
        assertThat(tagged.attrs().localPref()).isEqualTo(300);
        assertThat(tagged.attrs().hasCommunity(65000 << 16 | 9)).isTrue();
        assertThat(a.adjRibIn(Family.IPV4_UNICAST)).hasSize(5); // pre-policy
        assertThat(announcedTo(b)).containsExactlyInAnyOrder(IpPrefix.parse("10.20.0.0/16"), IpPrefix.parse("10.22.0.0/16"));
        // policy change: re-evaluated from the Adj-RIB-In without asking the peer
        rib.updatePeerSettings(a, new RibPeer.Settings("a", 65001, false, false, Policy.ACCEPT_ALL, null, null, null));
        rib.flush();
        assertThat(best("10.99.1.0/24")).hasSize(1);
        assertThat(best("10.22.0.0/16").getFirst().attrs().localPref()).isEqualTo(RouteAttrs.ABSENT);
    }

    @Test
    void anAcceptAllPeersAdjRibInIsItsLocRibCandidatesAndIsStoredAgainWhileAPolicyFilters() {
        RibPeer a = peer("a", 65001, "10.0.0.2");
        RibPeer b = peer("b", 65002, "10.0.0.3");
        announce(a, attrs("10.0.0.2", 65001).build(), "10.40.0.0/16", "10.41.0.0/16");
        announce(b, attrs("10.0.0.3", 65002, 65003).build(), "10.40.0.0/16"); // a longer path: a candidate, not best
        assertThat(a.adjInInLocRib).isTrue();
        assertThat(a.adjIn.get(Family.IPV4_UNICAST).size()).as("not stored twice").isZero();
        assertThat(a.adjRibIn(Family.IPV4_UNICAST)).extracting(RibRoute::prefix)
                .containsExactly(IpPrefix.parse("10.40.0.0/16"), IpPrefix.parse("10.41.0.0/16"));
        assertThat(b.adjRibIn(Family.IPV4_UNICAST)).extracting(RibRoute::prefix).containsExactly(IpPrefix.parse("10.40.0.0/16"));
        assertThat(a.received()).isEqualTo(2);
        Policy rejectOne = new Policy(List.of(Policy.Term.reject(List.of(Policy.PrefixRange.orLonger(IpPrefix.parse("10.40.0.0/16"))))), true);
        rib.updatePeerSettings(a, new RibPeer.Settings("a", 65001, false, false, rejectOne, null, null, null));
        rib.flush();
        assertThat(bestSource("10.40.0.0/16")).isEqualTo("b");
        assertThat(a.adjInInLocRib).isFalse();
        assertThat(a.adjRibIn(Family.IPV4_UNICAST)).as("the rejected route is kept as received").hasSize(2);
        rib.updatePeerSettings(a, new RibPeer.Settings("a", 65001, false, false, Policy.ACCEPT_ALL, null, null, null));
        rib.flush();
        assertThat(bestSource("10.40.0.0/16")).isEqualTo("a");
        assertThat(a.adjInInLocRib).isTrue();
        assertThat(a.adjIn.get(Family.IPV4_UNICAST).size()).isZero();
        withdraw(a, "10.40.0.0/16");
        assertThat(a.received()).isEqualTo(1);
        assertThat(bestSource("10.40.0.0/16")).isEqualTo("b");
        rib.peerDown(a, false, 0);
        rib.flush();
        assertThat(best("10.41.0.0/16")).isEmpty();
        assertThat(a.received()).isZero();
    }

    @Test
    void aLocRibSizedForExpectedRoutesHoldsThemAndIsNotResizedOnceInUse() {
        rib.expectRoutes(Family.IPV4_UNICAST, 1000);
        RibPeer a = peer("a", 65001, "10.0.0.2");
        announce(a, attrs("10.0.0.2", 65001).build(), "10.50.0.0/16");
        rib.expectRoutes(Family.IPV4_UNICAST, 10); // ignored: the table holds routes
        assertThat(bestSource("10.50.0.0/16")).isEqualTo("a");
        assertThat(rib.locRibSize(Family.IPV4_UNICAST)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ graceful restart (RFC 4724 §4.2)

    static Capability.GracefulRestart gr(boolean forwarding) {
        return new Capability.GracefulRestart(false, false, 30, List.of(new Capability.GrFamily(Family.IPV4_UNICAST, forwarding)));
    }

    RibPeer.Session session(RibPeer p, String address, Capability.GracefulRestart g) {
        List<byte[]> box = sent.computeIfAbsent(p, k -> new ArrayList<>());
        return new RibPeer.Session(IpAddresses.parse(address), ip(address), IpAddresses.parse("10.0.0.1"),
                Set.of(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS, true, g, box::add);
    }

    @Test
    void retainedRoutesStayStaleUntilEndOfRib() {
        RibPeer a = peer("a", 65001, false, null, null, "10.0.0.2", gr(true));
        announce(a, attrs("10.0.0.2", 65001).build(), "10.30.0.0/16", "10.31.0.0/16");
        rib.peerDown(a, true, 0);
        rib.flush();
        assertThat(best("10.30.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(true);
        assertThat(rib.nextDeadline()).isEqualTo(30 * S);
        rib.peerUp(a, session(a, "10.0.0.2", gr(true)), 5 * S);
        announce(a, attrs("10.0.0.2", 65001).build(), "10.30.0.0/16");
        assertThat(best("10.31.0.0/16")).hasSize(1); // still waiting for End-of-RIB
        rib.apply(a, new InboundUpdate(Family.IPV4_UNICAST, List.of(), List.of()), 6 * S);
        rib.flush();
        assertThat(best("10.31.0.0/16")).isEmpty();
        assertThat(best("10.30.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(false);
        assertThat(lastEvent("10.30.0.0/16").withdrawn()).isFalse();
    }

    @Test
    void staleRoutesOfAnAcceptAllPeerAreMarkedInItsAdjRibInUntilReadvertised() {
        RibPeer a = peer("a", 65001, false, null, null, "10.0.0.2", gr(true));
        announce(a, attrs("10.0.0.2", 65001).build(), "10.42.0.0/16", "10.43.0.0/16");
        rib.peerDown(a, true, 0);
        rib.peerUp(a, session(a, "10.0.0.2", gr(true)), S);
        announce(a, attrs("10.0.0.2", 65001).build(), "10.42.0.0/16");
        assertThat(a.adjInInLocRib).isTrue();
        assertThat(a.adjRibIn(Family.IPV4_UNICAST)).extracting(RibRoute::prefix, RibRoute::stale).containsExactly(
                org.assertj.core.groups.Tuple.tuple(IpPrefix.parse("10.42.0.0/16"), false),
                org.assertj.core.groups.Tuple.tuple(IpPrefix.parse("10.43.0.0/16"), true));
        assertThat(best("10.43.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(true);
        rib.apply(a, new InboundUpdate(Family.IPV4_UNICAST, List.of(), List.of()), 2 * S);
        rib.flush();
        assertThat(best("10.43.0.0/16")).isEmpty();
        assertThat(best("10.42.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(false);
    }

    @Test
    void retainedRoutesGoWhenTheRestartTimerExpires() {
        RibPeer a = peer("a", 65001, false, null, null, "10.0.0.2", gr(true));
        announce(a, attrs("10.0.0.2", 65001).build(), "10.32.0.0/16");
        rib.peerDown(a, true, 0);
        rib.onTimers(29 * S);
        assertThat(best("10.32.0.0/16")).hasSize(1);
        rib.onTimers(30 * S);
        rib.flush();
        assertThat(best("10.32.0.0/16")).isEmpty();
        assertThat(lastEvent("10.32.0.0/16").withdrawn()).isTrue();
    }

    @Test
    void peerComingBackWithoutForwardingStateFlushesAtOnce() {
        RibPeer a = peer("a", 65001, false, null, null, "10.0.0.2", gr(true));
        announce(a, attrs("10.0.0.2", 65001).build(), "10.33.0.0/16");
        rib.peerDown(a, true, 0);
        rib.peerUp(a, session(a, "10.0.0.2", gr(false)), S);
        rib.flush();
        assertThat(best("10.33.0.0/16")).isEmpty();
    }

    @Test
    void downWithoutRetentionWithdrawsEverythingAndRemovePeerToo() {
        RibPeer a = peer("a", 65001, false, null, null, "10.0.0.2", gr(true));
        RibPeer b = peer("b", 65002, "10.0.0.3");
        announce(a, attrs("10.0.0.2", 65001).build(), "10.34.0.0/16");
        assertThat(announcedTo(b)).containsExactly(IpPrefix.parse("10.34.0.0/16"));
        rib.peerDown(a, false, 0);
        rib.flush();
        assertThat(best("10.34.0.0/16")).isEmpty();
        assertThat(withdrawnTo(b)).containsExactly(IpPrefix.parse("10.34.0.0/16"));
        rib.peerUp(a, session(a, "10.0.0.2", null), 0);
        announce(a, attrs("10.0.0.2", 65001).build(), "10.35.0.0/16");
        rib.removePeer(a, 0);
        rib.flush();
        assertThat(best("10.35.0.0/16")).isEmpty();
    }

    @Test
    void initialDumpEndsWithEndOfRibPerFamily() throws BgpDecodeException {
        rib.originate(LocalRoute.of(IpPrefix.parse("10.244.9.0/26")));
        rib.originate(LocalRoute.of(IpPrefix.parse("fd00:9::/64")));
        rib.flush();
        RibPeer p = rib.addPeer(new RibPeer.Settings("late", 65001, false, false, null, null, null, IpAddresses.parse("2001:db8::1")));
        List<byte[]> box = new ArrayList<>();
        rib.peerUp(p, new RibPeer.Session(IpAddresses.parse("10.0.0.9"), ip("10.0.0.9"), IpAddresses.parse("10.0.0.1"),
                Set.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST), CodecOptions.FOUR_OCTET_AS, true, null, box::add), 0);
        List<BgpMessage.Update> u = new ArrayList<>();
        for (byte[] b : box) {
            u.add((BgpMessage.Update) BgpCodec.decode(b, CodecOptions.FOUR_OCTET_AS));
        }
        assertThat(u).hasSize(4);
        assertThat(u.get(1).endOfRibFamily()).contains(Family.IPV4_UNICAST);
        assertThat(u.get(3).endOfRibFamily()).contains(Family.IPV6_UNICAST);
        PathAttribute.MpReach r = u.get(2).attribute(PathAttribute.MpReach.class).orElseThrow();
        assertThat(r.nextHopAddress().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
    }

    @Test
    void localRoutesOnlyPeersGetOnlyOriginatedRoutes() {
        RibPeer ibgp = peer("ibgp", LOCAL_AS, "10.0.0.2");
        RibPeer tor = rib.addPeer(new RibPeer.Settings("tor", 65100, false, false, null, null, null, null, true));
        List<byte[]> box = new ArrayList<>();
        sent.put(tor, box);
        rib.peerUp(tor, new RibPeer.Session(IpAddresses.parse("10.0.0.9"), ip("10.0.0.9"), IpAddresses.parse("10.0.0.1"),
                Set.of(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS, true, null, box::add), 0);
        box.clear();
        announce(ibgp, attrs("10.0.0.2").localPref(100).build(), "10.244.1.0/26");
        rib.originate(LocalRoute.of(IpPrefix.parse("10.244.0.0/26")));
        rib.flush();
        assertThat(announcedTo(tor)).containsExactly(IpPrefix.parse("10.244.0.0/26"));
        assertThat(bestSource("10.244.1.0/26")).isNotNull();
    }
}
