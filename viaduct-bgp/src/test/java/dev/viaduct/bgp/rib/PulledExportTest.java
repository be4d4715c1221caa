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
 * Export pulled by the socket: while a peer's session reports its socket blocked, the RIB encodes nothing more for
 * it and keeps what it owes as prefixes; once the speaker reports it writable, the peer gets each owed prefix once,
 * in its state of then (RFC 4271 §9.2.1.1), never ahead of what it was already sent for that prefix, and a
 * whole-table export's End-of-RIB (RFC 4724 §2) only after every route of it.
 */
class PulledExportTest {
    final RibTest t = new RibTest();

    /** A reflector client whose socket is blocked while {@link #blocked} says so. */
    final class Slow {
        final RibPeer peer;
        final List<byte[]> sent = new ArrayList<>();
        boolean blocked;
        int asked;

        Slow(String name, String address, boolean blockedAtStart) {
            blocked = blockedAtStart;
            peer = t.rib.addPeer(new RibPeer.Settings(name, RibTest.LOCAL_AS, true, false, null, null, null, null));
            t.sent.put(peer, sent);
            t.rib.peerUp(peer, new RibPeer.Session(IpAddresses.parse(address), RibTest.ip(address), IpAddresses.parse("10.0.0.1"),
                    Set.of(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS, true, null, sent::add, () -> {
                        asked++;
                        return blocked;
                    }), 0);
        }

        /** The socket took everything: the speaker tells the RIB (on its thread, in a batch that ends in a flush). */
        void drained() {
            blocked = false;
            t.rib.writable(peer);
            t.rib.flush();
        }

        List<BgpMessage.Update> updates() {
            return RibTest.decodeUpdates(sent);
        }
    }

    List<RibPeer> clients(int n) {
        List<RibPeer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(t.peer("c" + i, RibTest.LOCAL_AS, true, null, null, "10.1.0." + (i + 1), null));
        }
        return l;
    }

    static String route(int i) {
        return "10.64." + (i >> 2) + "." + (i & 3) * 64 + "/26";
    }

    @Test
    void aBlockedMemberGetsOnlyTheLatestStateOfAPrefixOnceWritable() {
        List<RibPeer> c = clients(3);
        Slow slow = new Slow("slow", "10.1.0.9", false);
        slow.sent.clear(); // its End-of-RIB
        slow.blocked = true;
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").med(1).build(), "10.64.0.0/26");
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").med(2).build(), "10.64.0.0/26");
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").med(3).build(), "10.64.0.0/26");
        assertThat(t.sent.get(c.get(1))).hasSize(3); // the others got every change
        assertThat(slow.sent).isEmpty();
        slow.drained();
        assertThat(slow.updates()).singleElement().satisfies(u -> {
            assertThat(u.nlri()).containsExactly(IpPrefix.parse("10.64.0.0/26"));
            assertThat(u.attribute(PathAttribute.MultiExitDisc.class).orElseThrow().value()).isEqualTo(3);
        });
        // back in step with the group: the next change reaches it with everyone else, in the same bytes
        t.sent.values().forEach(List::clear);
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").med(4).build(), "10.64.0.0/26");
        assertThat(slow.sent).singleElement().isSameAs(t.sent.get(c.get(2)).getFirst());
        assertThat(slow.peer.advertisedCount()).isEqualTo(c.get(1).advertisedCount()).isEqualTo(1);
    }

    @Test
    void aWithdrawalOwedBehindAnAnnouncementAlreadySentFollowsIt() {
        List<RibPeer> c = clients(2);
        Slow slow = new Slow("slow", "10.1.0.9", false);
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").build(), "10.64.0.0/26");
        assertThat(RibTest.decodeUpdates(slow.sent).getLast().nlri()).containsExactly(IpPrefix.parse("10.64.0.0/26"));
        slow.sent.clear();
        slow.blocked = true;
        t.withdraw(c.get(0), "10.64.0.0/26");
        assertThat(slow.sent).isEmpty();
        assertThat(slow.peer.adjRibOut(Family.IPV4_UNICAST)).hasSize(1); // what it has been sent, until the withdrawal goes
        slow.drained();
        assertThat(slow.updates()).singleElement().satisfies(u -> assertThat(u.withdrawn()).containsExactly(IpPrefix.parse("10.64.0.0/26")));
        assertThat(slow.peer.adjRibOut(Family.IPV4_UNICAST)).isEmpty();
        assertThat(slow.peer.advertisedCount()).isZero();
    }

    @Test
    void aRouteThatCameAndWentWhileBlockedIsNeverSent() {
        List<RibPeer> c = clients(2);
        Slow slow = new Slow("slow", "10.1.0.9", false);
        slow.sent.clear();
        slow.blocked = true;
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").build(), "10.64.0.0/26");
        t.withdraw(c.get(0), "10.64.0.0/26");
        slow.drained();
        assertThat(slow.sent).isEmpty();
        assertThat(t.updates(c.get(1))).hasSize(2);
    }

    @Test
    void aSessionThatComesUpBlockedGetsTheWholeTableThenItsEndOfRibOnlyWhenWritable() {
        RibPeer src = clients(1).getFirst();
        for (int i = 0; i < 300; i++) {
            t.announce(src, RibTest.attrs("10.5.0." + (i % 250 + 1)).med(i).build(), route(i));
        }
        Slow slow = new Slow("slow", "10.1.0.9", true);
        assertThat(slow.sent).as("nothing encoded while its socket takes no more").isEmpty();
        t.withdraw(src, route(7));
        t.announce(src, RibTest.attrs("10.5.0.1").med(1000).build(), route(8));
        assertThat(slow.sent).isEmpty();
        slow.drained();
        List<BgpMessage.Update> got = slow.updates();
        assertThat(got.getLast().endOfRibFamily()).contains(Family.IPV4_UNICAST);
        List<IpPrefix> announced = new ArrayList<>();
        got.forEach(u -> announced.addAll(u.nlri()));
        assertThat(announced).hasSize(299).doesNotContain(IpPrefix.parse(route(7))).doesNotHaveDuplicates();
        assertThat(got.stream().filter(u -> u.nlri().contains(IpPrefix.parse(route(8)))).findFirst().orElseThrow()
                .attribute(PathAttribute.MultiExitDisc.class).orElseThrow().value()).isEqualTo(1000);
        assertThat(got.stream().allMatch(u -> u.withdrawn().isEmpty())).as("nothing to withdraw it was never sent").isTrue();
    }

    @Test
    void aSocketThatBlocksMidExportStopsTheEncodingWithinAChunk() {
        RibPeer src = clients(1).getFirst();
        for (int i = 0; i < 1000; i++) {
            t.announce(src, RibTest.attrs("10.5." + (i >> 8) + "." + (i & 0xff)).build(), route(i));
        }
        Slow slow = new Slow("slow", "10.1.0.9", false);
        slow.sent.clear();
        slow.peer.adjOut.get(Family.IPV4_UNICAST).clear();
        // the socket fills after the first UPDATEs: the export asks again every chunk and stops there
        List<byte[]> box = slow.sent;
        RibPeer.Session s = slow.peer.session;
        slow.peer.session = new RibPeer.Session(s.address(), s.routerId(), s.localAddress(), s.families(), s.codec(),
                s.routeRefresh(), s.peerGr(), box::add, () -> box.size() >= 10);
        t.rib.routeRefreshRequested(slow.peer, Family.IPV4_UNICAST);
        assertThat(box.size()).isBetween(10, 10 + AdjRibOut.CHUNK_GROUPS);
        slow.peer.session = s;
        slow.drained();
        List<IpPrefix> announced = new ArrayList<>();
        slow.updates().forEach(u -> announced.addAll(u.nlri()));
        assertThat(announced).hasSize(1000).doesNotHaveDuplicates();
    }

    @Test
    void aSessionThatIsNeverBlockedIsNotAskedMoreThanOncePerChunk() {
        List<RibPeer> c = clients(2);
        Slow fast = new Slow("fast", "10.1.0.9", false);
        int before = fast.asked;
        t.announce(c.get(0), RibTest.attrs("10.1.0.1").build(), "10.64.0.0/26");
        assertThat(fast.asked - before).isEqualTo(1);
        assertThat(fast.updates().getLast().nlri()).containsExactly(IpPrefix.parse("10.64.0.0/26"));
    }
}
