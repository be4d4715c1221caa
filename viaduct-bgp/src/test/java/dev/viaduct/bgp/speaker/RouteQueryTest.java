package dev.viaduct.bgp.speaker;

import static dev.viaduct.bgp.speaker.SpeakerPairTest.v4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.rib.RouteQuery;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Route queries on a speaker holding routes from two peers and its own: containment, peer, limit, order. */
class RouteQueryTest {
    static final Duration T = Duration.ofSeconds(20);

    static List<String> prefixes(BgpSpeaker s, RouteQuery q) {
        RouteQuery.Match m = s.matchRoutes(q);
        return s.routesAt(m, 0, m.size()).stream().map(r -> r.prefix() + "<" + r.source()).toList();
    }

    @Test
    void answersTheMatchingPartOfTheLocRibInPrefixOrder() throws Exception {
        try (BgpSpeaker x = BgpSpeaker.start(SpeakerConfig.builder(64512, v4("127.0.7.1")).listen(new InetSocketAddress(v4("127.0.7.1"), 0))
                        .connectRetrySeconds(1).holdTime(9).multipath(true).build());
                BgpSpeaker a = SpeakerPairTest.speaker(64512, "127.0.7.2");
                BgpSpeaker b = SpeakerPairTest.speaker(64512, "127.0.7.3")) {
            x.addPeer(PeerConfig.builder(v4("127.0.7.2"), 64512).name("a").passive(true).build());
            x.addPeer(PeerConfig.builder(v4("127.0.7.3"), 64512).name("b").passive(true).build());
            a.addPeer(SpeakerPairTest.peerOf(x, 64512));
            b.addPeer(SpeakerPairTest.peerOf(x, 64512));
            for (String p : List.of("10.1.0.0/16", "10.1.2.0/24", "10.1.1.0/24", "10.2.0.0/24", "10.1.1.128/25", "fd00:1::/64", "fd00:2::/64")) {
                a.originate(IpPrefix.parse(p));
            }
            b.originate(IpPrefix.parse("10.1.1.0/24"));
            b.originate(IpPrefix.parse("192.168.0.0/24"));
            x.originate(IpPrefix.parse("10.1.3.0/24"));
            Poll.until("x holds every route", T, () -> x.locRib(Family.IPV4_UNICAST).size() == 8 && x.locRib(Family.IPV6_UNICAST).size() == 2);

            RouteQuery inside = new RouteQuery(Family.IPV4_UNICAST, IpPrefix.parse("10.1.0.0/16"), null, 0);
            assertThat(x.matchRoutes(inside).matched()).isEqualTo(5);
            assertThat(prefixes(x, inside)).containsExactly("10.1.0.0/16<a", "10.1.1.0/24<a", "10.1.1.0/24<b", "10.1.1.128/25<a",
                    "10.1.2.0/24<a", "10.1.3.0/24<local");

            RouteQuery firstTwo = new RouteQuery(Family.IPV4_UNICAST, IpPrefix.parse("10.1.0.0/16"), null, 2);
            RouteQuery.Match m = x.matchRoutes(firstTwo);
            assertThat(m.matched()).as("every match counted").isEqualTo(5);
            assertThat(m.size()).as("the limit applies to prefixes").isEqualTo(2);
            assertThat(prefixes(x, firstTwo)).containsExactly("10.1.0.0/16<a", "10.1.1.0/24<a", "10.1.1.0/24<b");

            assertThat(prefixes(x, new RouteQuery(Family.IPV4_UNICAST, null, v4("127.0.7.3"), 0)))
                    .as("only b's candidates, not a's for the same prefix").containsExactly("10.1.1.0/24<b", "192.168.0.0/24<b");
            assertThat(prefixes(x, new RouteQuery(Family.IPV4_UNICAST, IpPrefix.parse("10.1.1.0/24"), v4("127.0.7.2"), 0)))
                    .containsExactly("10.1.1.0/24<a", "10.1.1.128/25<a");
            assertThat(prefixes(x, new RouteQuery(Family.IPV4_UNICAST, IpPrefix.parse("10.1.1.200/32"), null, 0))).isEmpty();
            assertThat(x.matchRoutes(new RouteQuery(Family.IPV4_UNICAST, IpPrefix.parse("0.0.0.0/0"), null, 0)).matched()).isEqualTo(7);
            assertThat(x.matchRoutes(new RouteQuery(Family.IPV4_UNICAST, IpPrefix.parse("11.0.0.0/8"), null, 0)).matched()).isZero();
            assertThat(prefixes(x, new RouteQuery(Family.IPV6_UNICAST, IpPrefix.parse("fd00::/16"), null, 1))).containsExactly("fd00:1::/64<a");

            RouteQuery.Match before = x.matchRoutes(inside);
            a.withdraw(IpPrefix.parse("10.1.2.0/24"));
            Poll.until("x sees the withdrawal", T, () -> x.locRib(Family.IPV4_UNICAST).size() == 7);
            assertThat(x.routesAt(before, 0, before.size())).as("a prefix gone since the match is skipped")
                    .extracting(RibRoute::prefix).doesNotContain(IpPrefix.parse("10.1.2.0/24")).hasSize(5);
        }
    }

    @Test
    void refusesAPrefixOfTheOtherFamilyAndANegativeLimit() {
        assertThatThrownBy(() -> new RouteQuery(Family.IPV4_UNICAST, IpPrefix.parse("fd00::/8"), null, 0)).hasMessageContaining("not of family");
        assertThatThrownBy(() -> new RouteQuery(Family.IPV4_UNICAST, null, null, -1)).hasMessageContaining("limit -1");
    }
}
