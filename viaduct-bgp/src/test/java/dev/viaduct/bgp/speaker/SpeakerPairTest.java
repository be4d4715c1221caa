package dev.viaduct.bgp.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.rib.BestPathChange;
import dev.viaduct.bgp.rib.LocalRoute;
import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Two Viaduct speakers on loopback addresses: sessions, routes both ways, withdrawals, ECMP, peers at run time. */
class SpeakerPairTest {
    static final Duration T = Duration.ofSeconds(20);

    static Inet4Address v4(String s) {
        return (Inet4Address) IpAddresses.parse(s);
    }

    static BgpSpeaker speaker(long asn, String addr) throws Exception {
        return BgpSpeaker.start(SpeakerConfig.builder(asn, v4(addr)).listen(new InetSocketAddress(v4(addr), 0))
                .connectRetrySeconds(1).holdTime(9).build());
    }

    static PeerConfig peerOf(BgpSpeaker other, long asn) {
        InetSocketAddress l = other.listenAddress();
        return PeerConfig.builder(l.getAddress(), asn).port(l.getPort()).build();
    }

    @Test
    void ibgpSessionCarriesRoutesBothWaysAndWithdrawals() throws Exception {
        try (BgpSpeaker a = speaker(64512, "127.0.1.1"); BgpSpeaker b = speaker(64512, "127.0.1.2")) {
            Map<IpPrefix, List<InetAddress>> seenByB = new ConcurrentHashMap<>();
            b.subscribe(changes -> {
                for (BestPathChange c : changes) {
                    if (c.withdrawn()) {
                        seenByB.remove(c.prefix());
                    } else if (!c.local()) {
                        seenByB.put(c.prefix(), c.nextHops());
                    }
                }
            });
            a.addPeer(PeerConfig.builder(v4("127.0.1.2"), 64512).port(b.listenAddress().getPort()).build());
            b.addPeer(PeerConfig.builder(v4("127.0.1.1"), 64512).port(a.listenAddress().getPort()).passive(true).build());
            Poll.until("a-b established", T, () -> a.peers().getFirst().established() && b.peers().getFirst().established());
            Poll.until("End-of-RIB of both families seen", T, () -> b.peers().getFirst().endOfRib().equals(java.util.Set.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST)));

            a.originate(IpPrefix.parse("10.244.1.0/26"));
            a.originate(IpPrefix.parse("fd00:1::/64"));
            b.originate(IpPrefix.parse("10.244.2.0/26"));
            Poll.until("b learns a's v4 route", T, () -> seenByB.containsKey(IpPrefix.parse("10.244.1.0/26")));
            assertThat(seenByB.get(IpPrefix.parse("10.244.1.0/26"))).containsExactly(v4("127.0.1.1"));
            Poll.until("b learns a's v6 route", T, () -> seenByB.containsKey(IpPrefix.parse("fd00:1::/64")));
            Poll.until("a learns b's route", T, () -> a.locRib(Family.IPV4_UNICAST).stream()
                    .anyMatch(r -> r.prefix().equals(IpPrefix.parse("10.244.2.0/26")) && r.best() && r.source().equals("127.0.1.2")));
            RibRoute r = b.locRib(Family.IPV4_UNICAST).stream().filter(x -> x.prefix().equals(IpPrefix.parse("10.244.1.0/26"))).findFirst().orElseThrow();
            assertThat(r.attrs().localPref()).isEqualTo(100);
            assertThat(r.attrs().asPath()).isEmpty();

            a.withdraw(IpPrefix.parse("10.244.1.0/26"));
            Poll.until("b sees the withdrawal", T, () -> !seenByB.containsKey(IpPrefix.parse("10.244.1.0/26")));
            assertThat(b.locRib(Family.IPV4_UNICAST)).noneMatch(x -> x.prefix().equals(IpPrefix.parse("10.244.1.0/26")));
            assertThat(b.peers().getFirst().received()).isEqualTo(1); // fd00:1::/64 only
        }
    }

    @Test
    void ebgpPrependsAsAndSetsNextHopSelfAndRemovePeerWithdraws() throws Exception {
        try (BgpSpeaker a = speaker(65001, "127.0.2.1"); BgpSpeaker b = speaker(4200000000L, "127.0.2.2")) {
            a.addPeer(PeerConfig.builder(v4("127.0.2.2"), 4200000000L).port(b.listenAddress().getPort()).build());
            b.addPeer(PeerConfig.builder(v4("127.0.2.1"), 65001).port(a.listenAddress().getPort()).build());
            a.originate(new LocalRoute(IpPrefix.parse("10.1.0.0/16"), null, List.of(65001 << 16 | 7), null, 5L));
            Poll.until("b learns", T, () -> b.locRibSize(Family.IPV4_UNICAST) == 1);
            RibRoute r = b.locRib(Family.IPV4_UNICAST).getFirst();
            assertThat(r.attrs().asPath().toString()).isEqualTo("[65001]");
            assertThat(r.attrs().nextHop()).isEqualTo(v4("127.0.2.1"));
            assertThat(r.attrs().hasCommunity(65001 << 16 | 7)).isTrue();
            assertThat(r.attrs().med()).isEqualTo(5);
            assertThat(r.attrs().localPref()).isEqualTo(-1);
            assertThat(a.removePeer(v4("127.0.2.2"))).isTrue();
            Poll.until("b drops routes of the de-configured peer", T, () -> b.locRibSize(Family.IPV4_UNICAST) == 0);
            assertThat(b.peers().getFirst().lastError()).contains("6/3");
        }
    }

    @Test
    void simultaneousConnectionsCollideIntoOneSession() throws Exception {
        try (BgpSpeaker a = speaker(65010, "127.0.3.1"); BgpSpeaker b = speaker(65011, "127.0.3.2")) {
            // both active, added back to back: each side connects while the other's connection arrives (RFC 4271 §6.8)
            a.addPeer(PeerConfig.builder(v4("127.0.3.2"), 65011).port(b.listenAddress().getPort()).build());
            b.addPeer(PeerConfig.builder(v4("127.0.3.1"), 65010).port(a.listenAddress().getPort()).build());
            Poll.until("one session", T, () -> a.peers().getFirst().established() && b.peers().getFirst().established());
            a.originate(IpPrefix.parse("10.3.0.0/16"));
            Poll.until("route over the surviving connection", T, () -> b.locRibSize(Family.IPV4_UNICAST) == 1);
            assertThat(a.peers().getFirst().establishedTransitions()).isEqualTo(1);
            assertThat(b.peers().getFirst().establishedTransitions()).isEqualTo(1);
        }
    }

    @Test
    void hardDownDropsRoutesAtOnceDespiteGracefulRestartAndTheSessionComesBack() throws Exception {
        try (BgpSpeaker a = speaker(64512, "127.0.3.11"); BgpSpeaker b = speaker(64512, "127.0.3.12")) {
            a.addPeer(PeerConfig.builder(v4("127.0.3.12"), 64512).port(b.listenAddress().getPort()).build());
            b.addPeer(PeerConfig.builder(v4("127.0.3.11"), 64512).port(a.listenAddress().getPort()).passive(true).build());
            a.originate(IpPrefix.parse("10.4.0.0/16"));
            Poll.until("b learns the route", T, () -> b.locRibSize(Family.IPV4_UNICAST) == 1);
            assertThat(b.peers().getFirst().gracefulRestart()).isTrue();
            List<List<BestPathChange>> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            b.subscribe(events::add);
            assertThat(b.peerDown(v4("127.0.3.11"), "BFD session down")).isTrue();
            Poll.until("withdrawal published without waiting for a restart timer", T,
                    () -> events.stream().flatMap(List::stream).anyMatch(BestPathChange::withdrawn));
            Poll.until("session and route come back", T, () -> b.peers().getFirst().established() && b.locRibSize(Family.IPV4_UNICAST) == 1);
            assertThat(b.peers().getFirst().establishedTransitions()).isEqualTo(2);
        }
    }

    @Test
    void ipv6TransportOnLoopback() throws Exception {
        InetAddress lo6 = IpAddresses.parse("::1");
        try (BgpSpeaker a = BgpSpeaker.start(SpeakerConfig.builder(65020, v4("127.0.3.21")).listen(new InetSocketAddress(lo6, 0)).connectRetrySeconds(1).build());
                BgpSpeaker b = BgpSpeaker.start(SpeakerConfig.builder(65021, v4("127.0.3.22")).listen(new InetSocketAddress(lo6, 0)).connectRetrySeconds(1).build())) {
            // both speakers live on ::1, so a next hop of ::1 would be b's own address (which b rightly ignores,
            // RFC 4271 §6.3): announce a documentation address instead
            a.addPeer(PeerConfig.builder(lo6, 65021).port(b.listenAddress().getPort()).nextHopV6(IpAddresses.parse("2001:db8::20")).build());
            b.addPeer(PeerConfig.builder(lo6, 65020).port(a.listenAddress().getPort()).passive(true).build());
            a.originate(IpPrefix.parse("fd00:20::/48"));
            a.originate(IpPrefix.parse("10.20.0.0/16"));
            Poll.until("both families over an IPv6 session", T, () -> a.peers() + " / " + b.peers() + " / " + b.locRib(Family.IPV4_UNICAST),
                    x -> b.locRibSize(Family.IPV6_UNICAST) == 1 && b.locRibSize(Family.IPV4_UNICAST) == 1);
            RibRoute v6 = b.locRib(Family.IPV6_UNICAST).getFirst();
            assertThat(v6.attrs().nextHop()).isEqualTo(IpAddresses.parse("2001:db8::20"));
            RibRoute v4 = b.locRib(Family.IPV4_UNICAST).getFirst();
            assertThat(v4.attrs().nextHop()).isEqualTo(v4("127.0.3.21")); // IPv4 next hop over IPv6: the router ID
        }
    }

    /**
     * RFC 4724 §4.1 through the speaker: a restarting speaker with a selection deferral advertises nothing (not
     * even End-of-RIB) while a configured peer is missing, and everything once that peer is de-configured, or
     * once the deferral timer runs out.
     */
    @Test
    void restartingSpeakerDefersItsAdvertisementsUntilEveryPeerSentEndOfRibOrTheTimer() throws Exception {
        for (boolean byTimer : new boolean[] {false, true}) {
            Inet4Address restartingAddr = v4("127.0.1.21");
            InetAddress absent = v4("127.0.1.29");
            BgpSpeaker other = speaker(64512, "127.0.1.22");
            SpeakerConfig.Builder rb = SpeakerConfig.builder(64512, restartingAddr).listen(new InetSocketAddress(restartingAddr, 0))
                    .connectRetrySeconds(1).holdTime(9)
                    .gracefulRestart(new SpeakerConfig.GracefulRestart(120, true, true, 60, byTimer ? 3 : 600))
                    .peer(peerOf(other, 64512))
                    .peer(PeerConfig.builder(absent, 64512).passive(true).build()) // never comes up
                    .route(LocalRoute.of(IpPrefix.parse("10.244.21.0/26")));
            // the other side knows us before we start, so our first connection is accepted and the session is up
            // well inside the 3 s deferral of the timer case
            other.addPeer(PeerConfig.builder(restartingAddr, 64512).passive(true).build());
            long t0 = System.nanoTime();
            try (BgpSpeaker restarting = BgpSpeaker.start(rb.build()); other) {
                Poll.until("session up", T, () -> other.peers().getFirst().established());
                Poll.until("the restarting speaker has the other's End-of-RIB", T,
                        () -> restarting.peer(other.listenAddress().getAddress()).orElseThrow().endOfRib().contains(Family.IPV4_UNICAST));
                assertThat(restarting.selectionDeferred()).as("deferred %d ms after start (timer case: %s)",
                        (System.nanoTime() - t0) / 1_000_000, byTimer).isTrue();
                assertThat(other.locRibSize(Family.IPV4_UNICAST)).as("nothing advertised while deferred").isZero();
                assertThat(other.peers().getFirst().endOfRib()).as("no End-of-RIB while deferred").isEmpty();
                if (!byTimer) {
                    restarting.removePeer(absent);
                }
                Poll.until("the deferral ends", T, () -> !restarting.selectionDeferred());
                Poll.until("the other learns the route", T, () -> other.locRibSize(Family.IPV4_UNICAST) == 1);
                Poll.until("and End-of-RIB", T, () -> other.peers().getFirst().endOfRib().contains(Family.IPV4_UNICAST));
            }
        }
    }
}
