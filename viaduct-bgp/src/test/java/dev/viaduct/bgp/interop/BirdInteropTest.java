package dev.viaduct.bgp.interop;

import static dev.viaduct.bgp.interop.Interop.T;
import static dev.viaduct.bgp.interop.Interop.v4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Interop with a real BIRD 2: one BIRD (AS 65010) with an iBGP session to Viaduct speaker I (AS 65010) and an
 * eBGP session to Viaduct speaker E (AS 65020), all on private loopback addresses; routes of both families
 * flow both ways, withdrawals propagate, and route refresh works in both directions.
 */
@Tag("root")
class BirdInteropTest {
    @RegisterExtension
    static Netns fixture = Netns.perClass();

    static String net;
    static BgpSpeaker ibgp;
    static BgpSpeaker ebgp;
    static Interop.Bird bird;

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        net = Interop.subnet();
        ibgp = Interop.speaker(65010, net + "1", SpeakerConfig.GracefulRestart.DEFAULT);
        ebgp = Interop.speaker(65020, net + "3", SpeakerConfig.GracefulRestart.DEFAULT);
        String birdAddr = net + "2";
        int birdPort = Interop.freePort(v4(birdAddr));
        Path dir = Interop.scratch("bird");
        bird = Interop.startBird(fixture, dir, """
                router id %1$s;
                log stderr all;
                protocol device {}
                protocol direct { ipv4; ipv6; interface "lo"; }
                protocol static s4 { ipv4; route 10.20.0.0/24 blackhole; route 10.21.0.0/24 blackhole; }
                protocol static s6 { ipv6; route fd20::/64 blackhole; }
                template bgp viaduct {
                  local %1$s port %2$d as 65010;
                  multihop;
                  hold time 9;
                  connect retry time 1;
                  error wait time 1, 2;
                  graceful restart on;
                  ipv4 { import all; export all; };
                  ipv6 { import all; export all; next hop address ::1; };
                }
                protocol bgp vi from viaduct { neighbor %3$s port %4$d as 65010; }
                protocol bgp ve from viaduct { neighbor %5$s port %6$d as 65020; }
                """.formatted(birdAddr, birdPort, net + "1", ibgp.listenAddress().getPort(), net + "3", ebgp.listenAddress().getPort()));
        ibgp.addPeer(PeerConfig.builder(v4(birdAddr), 65010).name("bird").port(birdPort).nextHopV6(IpAddresses.parse("::1")).build());
        ebgp.addPeer(PeerConfig.builder(v4(birdAddr), 65010).name("bird").port(birdPort).nextHopV6(IpAddresses.parse("::1")).build());
        Poll.until("both sessions with BIRD established", T, () -> ibgp.peers().getFirst().established()
                && ebgp.peers().getFirst().established() && bird.established("vi") && bird.established("ve"));
    }

    @AfterAll
    static void stop() {
        if (ibgp != null) {
            ibgp.close();
        }
        if (ebgp != null) {
            ebgp.close();
        }
    }

    static Optional<RibRoute> best(BgpSpeaker s, String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return s.locRib(Family.of(p)).stream().filter(r -> r.prefix().equals(p) && r.best()).findFirst();
    }

    @Test
    void sessionsNegotiateBothFamiliesAndGracefulRestart() {
        assertThat(ibgp.peers().getFirst().families()).containsExactlyInAnyOrder(Family.IPV4_UNICAST, Family.IPV6_UNICAST);
        assertThat(ebgp.peers().getFirst().gracefulRestart()).isTrue();
    }

    @Test
    void birdRoutesReachViaductOverIbgpAndEbgp() {
        RibRoute i = Poll.until("iBGP route from BIRD", T, () -> best(ibgp, "10.20.0.0/24"), Optional::isPresent).orElseThrow();
        assertThat(i.attrs().asPath()).isEmpty();
        assertThat(i.attrs().localPref()).isEqualTo(100);
        RibRoute e = Poll.until("eBGP route from BIRD", T, () -> best(ebgp, "10.20.0.0/24"), Optional::isPresent).orElseThrow();
        assertThat(e.attrs().asPath().toString()).isEqualTo("[65010]");
        assertThat(e.attrs().nextHop()).isEqualTo(v4(net + "2"));
        RibRoute v6 = Poll.until("IPv6 route from BIRD", T, () -> best(ebgp, "fd20::/64"), Optional::isPresent).orElseThrow();
        assertThat(v6.attrs().nextHop().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void viaductRoutesReachBirdAndWithdrawalsPropagate() {
        ibgp.originate(IpPrefix.parse("10.244.1.0/26"));
        ebgp.originate(IpPrefix.parse("10.245.1.0/26"));
        ebgp.originate(IpPrefix.parse("fd45::/64"));
        Poll.until("BIRD learns the iBGP route", T, () -> bird.route("10.244.1.0/26").contains("BGP.local_pref: 100"));
        String e = Poll.until("BIRD learns the eBGP route", T, () -> bird.route("10.245.1.0/26"), s -> s.contains("BGP.as_path: 65020"));
        assertThat(e).contains("BGP.next_hop: " + net + "3");
        String v6 = Poll.until("BIRD learns the IPv6 route", T, () -> bird.route("fd45::/64"), s -> s.contains("BGP.as_path: 65020"));
        assertThat(v6).contains("BGP.next_hop: ::1");

        ebgp.withdraw(IpPrefix.parse("10.245.1.0/26"));
        Poll.until("BIRD drops the withdrawn route", T, () -> !bird.route("10.245.1.0/26").contains("BGP.as_path"));
        bird.cli("disable", "s6");
        Poll.until("Viaduct drops BIRD's withdrawn IPv6 route", T, () -> best(ebgp, "fd20::/64").isEmpty());
        bird.cli("enable", "s6");
        Poll.until("and learns it again", T, () -> best(ebgp, "fd20::/64").isPresent());
    }

    @Test
    void routeRefreshBothWays() {
        Poll.until("route present", T, () -> best(ebgp, "10.21.0.0/24").isPresent());
        long updatesBefore = ebgp.peers().getFirst().updatesReceived();
        assertThat(ebgp.requestRouteRefresh(v4(net + "2"), Family.IPV4_UNICAST)).isTrue();
        Poll.until("BIRD re-sends its routes after our ROUTE-REFRESH", T, () -> ebgp.peers().getFirst().updatesReceived() > updatesBefore);
        assertThat(best(ebgp, "10.21.0.0/24")).isPresent();

        ebgp.originate(IpPrefix.parse("10.246.0.0/24"));
        Poll.until("BIRD has our route", T, () -> bird.route("10.246.0.0/24").contains("BGP.as_path: 65020"));
        long refreshes = ebgp.peers().getFirst().routeRefreshesReceived();
        bird.cli("reload", "in", "ve");
        Poll.until("BIRD's ROUTE-REFRESH arrives", T, () -> ebgp.peers().getFirst().routeRefreshesReceived() > refreshes);
        Poll.until("BIRD still has our route after the refresh", T, () -> bird.route("10.246.0.0/24").contains("BGP.as_path: 65020"));
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
