package dev.viaduct.bgp.rib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PathAttribute;
import dev.viaduct.bgp.wire.PrefixList;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * RFC 4724 §4.1 on the restarting side: a speaker that restarted defers route selection — no UPDATE, no
 * End-of-RIB, no best-path event — until every peer has sent End-of-RIB or the deferral timer runs out; then
 * every session gets its whole table and End-of-RIB.
 */
class SelectionDeferralTest {
    static final long AS = 65000;
    static final long S = 1_000_000_000L;
    static final Capability.GracefulRestart GR = new Capability.GracefulRestart(false, false, 120,
            List.of(new Capability.GrFamily(Family.IPV4_UNICAST, true)));

    final List<List<BestPathChange>> events = new ArrayList<>();
    final Rib rib = new Rib(new Rib.Settings(AS, RibTest.ip("10.0.0.1"), RibTest.ip("10.0.0.1"), false, 100, 60), null, events::add);
    final Map<RibPeer, List<byte[]>> sent = new HashMap<>();

    /** A route-reflector client (so routes from one are reflected to the others). */
    RibPeer client(String address) {
        RibPeer p = rib.addPeer(new RibPeer.Settings(address, AS, true, false, null, null, null, null));
        sent.put(p, new ArrayList<>());
        return p;
    }

    void up(RibPeer p, String address, Capability.GracefulRestart gr, long now) {
        rib.peerUp(p, new RibPeer.Session(IpAddresses.parse(address), RibTest.ip(address), IpAddresses.parse("10.0.0.1"),
                Set.of(Family.IPV4_UNICAST), CodecOptions.FOUR_OCTET_AS, true, gr, sent.get(p)::add), now);
        rib.flush();
    }

    void announce(RibPeer p, String prefix, long now) {
        RouteAttrs a = RouteAttrs.builder().nextHop(IpAddresses.parse("192.0.2.1")).asPath(List.of()).build();
        rib.apply(p, new InboundUpdate(null, List.of(), List.of(new InboundUpdate.Announcement(PrefixList.of(IpPrefix.parse(prefix)), a))), now);
        rib.flush();
    }

    void endOfRib(RibPeer p, long now) {
        rib.apply(p, new InboundUpdate(Family.IPV4_UNICAST, List.of(), List.of()), now);
        rib.flush();
    }

    List<BgpMessage.Update> updates(RibPeer p) {
        return RibTest.decodeUpdates(sent.get(p));
    }

    List<IpPrefix> announced(RibPeer p) {
        List<IpPrefix> out = new ArrayList<>();
        for (BgpMessage.Update u : updates(p)) {
            out.addAll(u.nlri());
        }
        return out;
    }

    boolean endOfRibSent(RibPeer p) {
        return updates(p).stream().anyMatch(u -> u.endOfRibFamily().isPresent());
    }

    @Test
    void nothingLeavesUntilEveryPeerSentEndOfRibThenTheWholeTableAndEndOfRib() {
        rib.deferSelection(300 * S);
        RibPeer a = client("10.0.0.2");
        RibPeer b = client("10.0.0.3");
        rib.peersConfigured(0);
        rib.originate(LocalRoute.of(IpPrefix.parse("10.244.0.0/26")));
        up(a, "10.0.0.2", GR, 0);
        announce(a, "10.244.1.0/26", 1);
        endOfRib(a, 2);
        // b is not up yet: a's End-of-RIB alone must not end the deferral
        assertThat(rib.selectionDeferred()).isTrue();
        up(b, "10.0.0.3", GR, 3);
        announce(b, "10.244.2.0/26", 4);
        assertThat(sent.get(a)).as("no UPDATE and no End-of-RIB while deferred").isEmpty();
        assertThat(sent.get(b)).isEmpty();
        assertThat(events).as("no best-path events while deferred").isEmpty();
        assertThat(rib.locRibSize(Family.IPV4_UNICAST)).as("routes are still learnt").isEqualTo(3);

        endOfRib(b, 5);
        assertThat(rib.selectionDeferred()).isFalse();
        assertThat(announced(a)).containsExactlyInAnyOrder(IpPrefix.parse("10.244.0.0/26"), IpPrefix.parse("10.244.2.0/26"));
        assertThat(announced(b)).containsExactlyInAnyOrder(IpPrefix.parse("10.244.0.0/26"), IpPrefix.parse("10.244.1.0/26"));
        // End-of-RIB comes after the initial update (RFC 4724 §4.1)
        assertThat(updates(a).getLast().endOfRibFamily()).contains(Family.IPV4_UNICAST);
        assertThat(updates(b).getLast().endOfRibFamily()).contains(Family.IPV4_UNICAST);
        assertThat(events.stream().flatMap(List::stream).map(BestPathChange::prefix))
                .containsExactlyInAnyOrder(IpPrefix.parse("10.244.0.0/26"), IpPrefix.parse("10.244.1.0/26"), IpPrefix.parse("10.244.2.0/26"));

        // afterwards changes flow as usual
        sent.get(a).clear();
        announce(b, "10.244.3.0/26", 6);
        assertThat(announced(a)).containsExactly(IpPrefix.parse("10.244.3.0/26"));
    }

    @Test
    void aPeerThatNeverComesUpHoldsTheDeferralOnlyUntilTheTimer() {
        rib.deferSelection(60 * S);
        RibPeer a = client("10.0.0.2");
        client("10.0.0.3"); // configured, never up
        rib.peersConfigured(0);
        up(a, "10.0.0.2", GR, 0);
        announce(a, "10.244.1.0/26", 1);
        endOfRib(a, 2);
        assertThat(rib.nextDeadline()).isEqualTo(60 * S);
        rib.onTimers(59 * S);
        rib.flush();
        assertThat(rib.selectionDeferred()).isTrue();
        assertThat(sent.get(a)).isEmpty();
        rib.onTimers(60 * S);
        rib.flush();
        assertThat(rib.selectionDeferred()).isFalse();
        assertThat(endOfRibSent(a)).isTrue();
        assertThat(rib.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void peersWithoutGracefulRestartAndRemovedPeersDoNotHoldIt() {
        rib.deferSelection(300 * S);
        RibPeer a = client("10.0.0.2");
        RibPeer plain = client("10.0.0.3");
        RibPeer gone = client("10.0.0.4");
        rib.peersConfigured(0);
        up(plain, "10.0.0.3", null, 0); // no GR capability: it will never send a marker worth waiting for
        up(a, "10.0.0.2", GR, 0);
        endOfRib(a, 1);
        assertThat(rib.selectionDeferred()).as("the configured peer that is not up yet still counts").isTrue();
        rib.removePeer(gone, 2);
        rib.flush();
        assertThat(rib.selectionDeferred()).isFalse();
        assertThat(endOfRibSent(plain)).isTrue();
        assertThat(endOfRibSent(a)).isTrue();
    }

    @Test
    void routeRefreshWhileDeferredIsAnsweredByTheInitialUpdate() {
        rib.deferSelection(300 * S);
        RibPeer a = client("10.0.0.2");
        RibPeer b = client("10.0.0.3");
        rib.peersConfigured(0);
        up(a, "10.0.0.2", GR, 0);
        up(b, "10.0.0.3", GR, 0);
        announce(b, "10.244.2.0/26", 1);
        rib.routeRefreshRequested(a, Family.IPV4_UNICAST);
        rib.flush();
        assertThat(sent.get(a)).isEmpty();
        endOfRib(a, 2);
        endOfRib(b, 3);
        assertThat(announced(a)).containsExactly(IpPrefix.parse("10.244.2.0/26"));
        assertThat(updates(a).stream().filter(u -> u.endOfRibFamily().isPresent()).count()).isEqualTo(1);
    }

    @Test
    void untilEveryConfiguredPeerIsAddedOnlyTheTimerEndsIt() {
        rib.deferSelection(300 * S);
        rib.onTimers(1); // no peers yet: "every peer sent End-of-RIB" must not hold vacuously
        assertThat(rib.selectionDeferred()).isTrue();
        RibPeer a = client("10.0.0.2");
        up(a, "10.0.0.2", GR, 2);
        endOfRib(a, 3); // the second configured peer is not added yet
        assertThat(rib.selectionDeferred()).isTrue();
        RibPeer b = client("10.0.0.3");
        rib.peersConfigured(4);
        assertThat(rib.selectionDeferred()).isTrue();
        up(b, "10.0.0.3", null, 5);
        assertThat(rib.selectionDeferred()).isFalse();
        assertThat(endOfRibSent(a)).isTrue();
    }

    @Test
    void withoutDeferralTheInitialUpdateGoesOutAtOnce() {
        RibPeer a = client("10.0.0.2");
        rib.originate(LocalRoute.of(IpPrefix.parse("10.244.0.0/26")));
        up(a, "10.0.0.2", GR, 0);
        assertThat(rib.selectionDeferred()).isFalse();
        assertThat(announced(a)).containsExactly(IpPrefix.parse("10.244.0.0/26"));
        assertThat(endOfRibSent(a)).isTrue();
        assertThat(updates(a).getFirst().attribute(PathAttribute.Origin.class)).isPresent();
    }
}
