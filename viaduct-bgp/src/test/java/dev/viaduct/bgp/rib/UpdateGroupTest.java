package dev.viaduct.bgp.rib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PathAttribute;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Update groups of a route reflector: clients that export alike share one encoded UPDATE per change, one
 * attribute instance per reflected route and one Adj-RIB-Out (each keeping apart only what it sent itself), while
 * peers that export differently still get their own attributes; members leave and rejoin with what they were sent.
 */
class UpdateGroupTest {
    final RibTest t = new RibTest();

    List<RibPeer> clients(int n) {
        List<RibPeer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(t.peer("c" + i, RibTest.LOCAL_AS, true, null, null, "10.1.0." + (i + 1), null));
        }
        return l;
    }

    @Test
    void aReflectedChangeIsEncodedOnceForEveryClientThatExportsAlike() {
        List<RibPeer> c = clients(5);
        t.announce(c.get(2), RibTest.attrs("10.1.0.3").build(), "10.64.0.0/26");
        byte[] first = null;
        for (RibPeer p : c) {
            if (p == c.get(2)) {
                assertThat(t.sent.get(p)).isEmpty(); // never back to its source
                continue;
            }
            assertThat(t.sent.get(p)).hasSize(1);
            byte[] msg = t.sent.get(p).getFirst();
            if (first == null) {
                first = msg;
            }
            assertThat(msg).isSameAs(first);
            BgpMessage.Update u = t.updates(p).getFirst();
            assertThat(u.nlri()).containsExactly(IpPrefix.parse("10.64.0.0/26"));
            assertThat(u.attribute(PathAttribute.OriginatorId.class).orElseThrow().id()).isEqualTo(RibTest.ip("10.1.0.3"));
        }
        t.sent.values().forEach(List::clear);
        t.withdraw(c.get(2), "10.64.0.0/26");
        assertThat(t.sent.get(c.get(0))).singleElement().isSameAs(t.sent.get(c.get(4)).getFirst());
        assertThat(t.updates(c.get(0)).getFirst().withdrawn()).containsExactly(IpPrefix.parse("10.64.0.0/26"));
        assertThat(t.sent.get(c.get(2))).isEmpty();
    }

    @Test
    void peersThatExportDifferentlyKeepTheirOwnAttributes() {
        List<RibPeer> c = clients(2);
        Policy med = new Policy(List.of(new Policy.Term(null, null, 0, -1, true, null, 50L, null)), true);
        RibPeer n1 = t.peer("n1", RibTest.LOCAL_AS, false, null, med, "10.2.0.1", null);
        RibPeer n2 = t.peer("n2", RibTest.LOCAL_AS, false, null, null, "10.2.0.2", null);
        RibPeer e = t.peer("e", 65001, false, null, null, "10.3.0.1", null);
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").build(), "10.64.0.0/26");
        assertThat(t.updates(n1).getFirst().attribute(PathAttribute.MultiExitDisc.class).orElseThrow().value()).isEqualTo(50);
        assertThat(t.updates(n2).getFirst().attribute(PathAttribute.MultiExitDisc.class)).isEmpty();
        assertThat(t.updates(c.get(1)).getFirst().attribute(PathAttribute.MultiExitDisc.class)).isEmpty();
        // eBGP: our AS prepended, no reflection attributes (RFC 4271 §5.1.2, RFC 4456 §8 applies inside the AS)
        BgpMessage.Update toE = t.updates(e).getFirst();
        assertThat(toE.attribute(PathAttribute.OriginatorId.class)).isEmpty();
        assertThat(toE.attribute(PathAttribute.AsPath.class).orElseThrow().segments().getFirst().asn(0)).isEqualTo(RibTest.LOCAL_AS);
        assertThat(t.sent.get(n2).getFirst()).isSameAs(t.sent.get(c.get(1)).getFirst()); // the same export: the same bytes
    }

    @Test
    void adjRibOutsShareOneAttributeInstancePerReflectedRouteAcrossRounds() {
        List<RibPeer> c = clients(3);
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").build(), "10.64.0.0/26");
        RibPeer late = t.peer("c9", RibTest.LOCAL_AS, true, null, null, "10.1.0.9", null); // its own round: the initial dump
        RouteAttrs a1 = c.get(1).adjRibOut(Family.IPV4_UNICAST).getFirst().attrs();
        RouteAttrs a2 = c.get(2).adjRibOut(Family.IPV4_UNICAST).getFirst().attrs();
        RouteAttrs a9 = late.adjRibOut(Family.IPV4_UNICAST).getFirst().attrs();
        assertThat(a2).isSameAs(a1);
        assertThat(a9).isSameAs(a1);
    }

    @Test
    void clientsComingUpOneByOneGetTheSameArraysForTheSameRoutes() {
        List<RibPeer> c = clients(3);
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").build(), "10.64.0.0/26");
        t.announce(c.get(1), RibTest.attrs("10.1.0.2").build(), "10.64.0.64/26");
        List<byte[]> dumpA = new ArrayList<>();
        List<byte[]> dumpB = new ArrayList<>();
        for (List<byte[]> box : List.of(dumpA, dumpB)) {
            String address = box == dumpA ? "10.1.0.10" : "10.1.0.11";
            RibPeer p = t.rib.addPeer(new RibPeer.Settings(address, RibTest.LOCAL_AS, true, false, null, null, null, null));
            t.rib.peerUp(p, new RibPeer.Session(IpAddresses.parse(address), RibTest.ip(address), IpAddresses.parse("10.0.0.1"),
                    Set.of(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS, true, null, box::add), 0);
        }
        // two routes with different attributes and the End-of-RIB: one UPDATE each, the routes' shared by both dumps
        assertThat(dumpA).hasSize(3);
        assertThat(dumpB).hasSize(3);
        assertThat(dumpB.get(0)).isSameAs(dumpA.get(0));
        assertThat(dumpB.get(1)).isSameAs(dumpA.get(1));
        assertThat(RibTest.decodeUpdates(dumpB.subList(0, 2)).stream().flatMap(u -> u.nlri().stream()).toList())
                .containsExactlyInAnyOrder(IpPrefix.parse("10.64.0.0/26"), IpPrefix.parse("10.64.0.64/26"));
    }

    @Test
    void aThousandRoutesWithAttributesOfTheirOwnAreEncodedOnceForAllLateClients() {
        RibPeer src = clients(1).getFirst();
        for (int i = 0; i < 1000; i++) {
            String nh = "10.5." + (i >> 8) + "." + (i & 0xff);
            t.announce(src, RibTest.attrs(nh).build(), "10.64." + (i >> 2) + "." + (i & 3) * 64 + "/26");
        }
        List<List<byte[]>> dumps = new ArrayList<>();
        for (String address : List.of("10.1.0.10", "10.1.0.11")) {
            List<byte[]> box = new ArrayList<>();
            dumps.add(box);
            RibPeer p = t.rib.addPeer(new RibPeer.Settings(address, RibTest.LOCAL_AS, true, false, null, null, null, null));
            t.rib.peerUp(p, new RibPeer.Session(IpAddresses.parse(address), RibTest.ip(address), IpAddresses.parse("10.0.0.1"),
                    Set.of(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS, true, null, box::add), 0);
        }
        assertThat(dumps.get(1)).hasSize(1001); // one UPDATE per route, then the End-of-RIB
        int shared = 0;
        for (int i = 0; i < 1000; i++) {
            shared += dumps.get(0).get(i) == dumps.get(1).get(i) ? 1 : 0;
        }
        // a cache of one slot per hash re-encoded ~12% of them (the routes whose slots collided)
        assertThat(shared).isGreaterThanOrEqualTo(980);
    }

    static final Family V4 = Family.IPV4_UNICAST;
    static final Policy MED_50 = new Policy(List.of(new Policy.Term(null, null, 0, -1, true, null, 50L, null)), true);

    static List<IpPrefix> prefixes(List<RibRoute> rows) {
        return rows.stream().map(RibRoute::prefix).toList();
    }

    static int originator(BgpMessage.Update u) {
        return u.attribute(PathAttribute.OriginatorId.class).orElseThrow().id();
    }

    void clearSent() {
        t.sent.values().forEach(List::clear);
    }

    @Test
    void clientsShareOneAdjRibOutAndEachKeepsApartOnlyTheRouteItSent() {
        List<RibPeer> c = clients(4);
        for (int i = 0; i < 4; i++) {
            t.announce(c.get(i), RibTest.attrs("10.1.0." + (i + 1)).build(), "10.64.0." + i * 64 + "/26");
        }
        UpdateGroup g = c.getFirst().adjOut.get(V4).group();
        assertThat(g).isNotNull();
        assertThat(g.members).containsExactlyInAnyOrderElementsOf(c);
        assertThat(g.table.size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            RibPeer p = c.get(i);
            assertThat(p.adjOut.get(V4).group()).isSameAs(g);
            assertThat(prefixes(p.adjRibOut(V4))).hasSize(3).doesNotContain(IpPrefix.parse("10.64.0." + i * 64 + "/26"));
            assertThat(p.advertised()).isEqualTo(3);
        }
    }

    @Test
    void aMemberWhosePolicyDivergesLeavesTheGroupAndGetsItsOwnAttributesFromThenOn() {
        List<RibPeer> c = clients(3);
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").build(), "10.64.0.0/26");
        clearSent();
        RibPeer d = c.get(2);
        t.rib.updatePeerSettings(d, new RibPeer.Settings(d.name(), RibTest.LOCAL_AS, true, false, null, MED_50, null, null));
        assertThat(t.updates(d)).singleElement()
                .satisfies(u -> assertThat(u.attribute(PathAttribute.MultiExitDisc.class).orElseThrow().value()).isEqualTo(50));
        assertThat(t.sent.get(c.get(0))).isEmpty();
        assertThat(t.sent.get(c.get(1))).isEmpty();
        UpdateGroup g = c.get(1).adjOut.get(V4).group();
        assertThat(g.members).containsExactlyInAnyOrder(c.get(0), c.get(1));
        assertThat(d.adjOut.get(V4).group()).isNotNull().isNotSameAs(g);
        clearSent();
        t.announce(c.get(1), RibTest.attrs("10.1.0.2").build(), "10.64.0.64/26");
        assertThat(t.updates(d).getFirst().attribute(PathAttribute.MultiExitDisc.class).orElseThrow().value()).isEqualTo(50);
        assertThat(t.updates(c.get(0)).getFirst().attribute(PathAttribute.MultiExitDisc.class)).isEmpty();
        assertThat(t.sent.get(c.get(1))).isEmpty();
        assertThat(d.adjRibOut(V4)).hasSize(2).allSatisfy(r -> assertThat(r.attrs().med()).isEqualTo(50));
        assertThat(prefixes(c.get(0).adjRibOut(V4))).containsExactly(IpPrefix.parse("10.64.0.64/26"));
        assertThat(prefixes(c.get(1).adjRibOut(V4))).containsExactly(IpPrefix.parse("10.64.0.0/26"));
    }

    @Test
    void aMemberGoingDownLeavesTheOthersAsTheyWereAndGetsTheWholeTableWhenItComesBack() {
        List<RibPeer> c = clients(3);
        for (int i = 0; i < 3; i++) {
            t.announce(c.get(i), RibTest.attrs("10.1.0." + (i + 1)).build(), "10.64.0." + i * 64 + "/26");
        }
        UpdateGroup g = c.getFirst().adjOut.get(V4).group();
        clearSent();
        RibPeer gone = c.get(1);
        t.rib.peerDown(gone, false, 0);
        t.rib.flush();
        assertThat(gone.adjOut.get(V4).group()).isNull();
        assertThat(gone.advertised()).isZero();
        assertThat(g.members).containsExactlyInAnyOrder(c.get(0), c.get(2));
        for (RibPeer p : List.of(c.get(0), c.get(2))) {
            assertThat(t.updates(p)).singleElement()
                    .satisfies(u -> assertThat(u.withdrawn()).containsExactly(IpPrefix.parse("10.64.0.64/26")));
        }
        assertThat(prefixes(c.get(0).adjRibOut(V4))).containsExactly(IpPrefix.parse("10.64.0.128/26"));
        assertThat(prefixes(c.get(2).adjRibOut(V4))).containsExactly(IpPrefix.parse("10.64.0.0/26"));

        List<byte[]> box = t.sent.get(gone);
        t.rib.peerUp(gone, new RibPeer.Session(IpAddresses.parse("10.1.0.2"), RibTest.ip("10.1.0.2"), IpAddresses.parse("10.0.0.1"),
                Set.of(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS, true, null, box::add), 0);
        assertThat(t.updates(gone).stream().flatMap(u -> u.nlri().stream()).toList())
                .containsExactlyInAnyOrder(IpPrefix.parse("10.64.0.0/26"), IpPrefix.parse("10.64.0.128/26"));
        assertThat(gone.adjOut.get(V4).group()).isSameAs(g);
        assertThat(prefixes(gone.adjRibOut(V4)))
                .containsExactlyInAnyOrder(IpPrefix.parse("10.64.0.0/26"), IpPrefix.parse("10.64.0.128/26"));
    }

    @Test
    void whenTheBestPathMovesFromOneMemberToAnotherEachIsSentWhatItNowLacks() {
        List<RibPeer> c = clients(3);
        IpPrefix p = IpPrefix.parse("10.64.0.0/26");
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").localPref(100).build(), "10.64.0.0/26");
        clearSent();
        t.announce(c.get(1), RibTest.attrs("10.1.0.2").localPref(200).build(), "10.64.0.0/26");
        // c1's path wins: c0 gets it, c1 loses c0's (never its own back), c2 gets the new one
        assertThat(originator(t.updates(c.get(0)).getFirst())).isEqualTo(RibTest.ip("10.1.0.2"));
        assertThat(t.updates(c.get(1))).singleElement().satisfies(u -> assertThat(u.withdrawn()).containsExactly(p));
        assertThat(originator(t.updates(c.get(2)).getFirst())).isEqualTo(RibTest.ip("10.1.0.2"));
        clearSent();
        t.withdraw(c.get(1), "10.64.0.0/26");
        assertThat(t.updates(c.get(0))).singleElement().satisfies(u -> assertThat(u.withdrawn()).containsExactly(p));
        assertThat(originator(t.updates(c.get(1)).getFirst())).isEqualTo(RibTest.ip("10.1.0.1"));
        assertThat(originator(t.updates(c.get(2)).getFirst())).isEqualTo(RibTest.ip("10.1.0.1"));
        assertThat(c.get(0).adjRibOut(V4)).isEmpty();
        assertThat(prefixes(c.get(1).adjRibOut(V4))).containsExactly(p);
        assertThat(prefixes(c.get(2).adjRibOut(V4))).containsExactly(p);
    }
}
