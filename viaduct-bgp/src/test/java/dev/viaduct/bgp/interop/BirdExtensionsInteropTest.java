package dev.viaduct.bgp.interop;

import dev.viaduct.sys.net.IpPrefix;
import static dev.viaduct.bgp.interop.Interop.T;
import static dev.viaduct.bgp.interop.Interop.v4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.rib.LocalRoute;
import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.PeerStatus;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Interop with a real BIRD 2 that negotiates Extended Messages (RFC 8654) and Enhanced Route Refresh (RFC 7313)
 * with a Viaduct speaker over eBGP on loopback: UPDATEs over 4,096 octets go both ways (a route carrying 1,100
 * communities, 4,400 octets of COMMUNITIES alone), and route refreshes in both directions are framed by
 * BoRR/EoRR without losing a route. BIRD traces its packets, so its log shows what it got from us. (BIRD offers
 * Enhanced Route Refresh whenever route refresh is on; Extended Messages only when asked.)
 */
@Tag("root")
class BirdExtensionsInteropTest {
    @RegisterExtension
    static Netns fixture = Netns.perClass();

    static final int COMMUNITIES = 1100;

    static String net;
    static BgpSpeaker viaduct;
    static Interop.Bird bird;

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        net = Interop.subnet();
        viaduct = Interop.speaker(65030, net + "1", null);
        String birdAddr = net + "2";
        int birdPort = Interop.freePort(v4(birdAddr));
        Path dir = Interop.scratch("bird-ext");
        StringBuilder adds = new StringBuilder();
        for (int i = 1; i <= COMMUNITIES; i++) {
            adds.append("    bgp_community.add((65010, ").append(i).append("));\n");
        }
        bird = Interop.startBird(fixture, dir, """
                router id %1$s;
                log stderr all;
                protocol device {}
                protocol static s4 { ipv4; route 10.50.0.0/24 blackhole; route 10.51.0.0/24 blackhole; }
                filter big {
                  if net = 10.51.0.0/24 then {
                %5$s  }
                  accept;
                }
                protocol bgp ve {
                  local %1$s port %2$d as 65010;
                  neighbor %3$s port %4$d as 65030;
                  multihop;
                  hold time 9;
                  connect retry time 1;
                  error wait time 1, 2;
                  enable route refresh on;
                  enable extended messages on;
                  debug { states, packets };
                  ipv4 { import all; export filter big; };
                }
                """.formatted(birdAddr, birdPort, net + "1", viaduct.listenAddress().getPort(), adds));
        viaduct.addPeer(PeerConfig.builder(v4(birdAddr), 65010).name("bird").port(birdPort).build());
        Poll.until("session with BIRD established", T, () -> viaduct.peers().getFirst().established() && bird.established("ve"));
    }

    @AfterAll
    static void stop() {
        if (viaduct != null) {
            viaduct.close();
        }
    }

    static Optional<RibRoute> best(String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return viaduct.locRib(Family.of(p)).stream().filter(r -> r.prefix().equals(p) && r.best()).findFirst();
    }

    static PeerStatus peer() {
        return viaduct.peers().getFirst();
    }

    static String birdLog() {
        try {
            return Files.readString(bird.log());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void bothCapabilitiesAreNegotiated() {
        String proto = bird.cli("show", "protocols", "all", "ve");
        String neighbor = proto.substring(proto.indexOf("Neighbor capabilities"));
        assertThat(neighbor).contains("Enhanced refresh", "Extended message");
    }

    @Test
    void anUpdateOver4096OctetsFromBirdIsAccepted() {
        RibRoute r = Poll.until("BIRD's route with " + COMMUNITIES + " communities", T, () -> best("10.51.0.0/24"), Optional::isPresent).orElseThrow();
        assertThat(r.attrs().communities()).hasSize(COMMUNITIES);
        assertThat(peer().established()).isTrue();
        assertThat(peer().notificationsReceived() + peer().notificationsSent()).isZero();
    }

    @Test
    void anUpdateOver4096OctetsFromViaductIsAccepted() {
        List<Integer> communities = new ArrayList<>();
        for (int i = 1; i <= COMMUNITIES; i++) {
            communities.add((65030 << 16) | i);
        }
        viaduct.originate(new LocalRoute(IpPrefix.parse("10.52.0.0/24"), null, communities, null, null));
        String route = Poll.until("BIRD learns our route with " + COMMUNITIES + " communities", T, () -> bird.route("10.52.0.0/24"),
                s -> s.contains("BGP.community"));
        assertThat(route).contains("(65030,1)", "(65030," + COMMUNITIES + ")");
        assertThat(birdLog()).doesNotContain("Bad message length");
        assertThat(peer().notificationsReceived()).isZero();
    }

    @Test
    void refreshesBothWaysAreFramedByBorrAndEorr() {
        Poll.until("BIRD's routes present", T, () -> best("10.50.0.0/24").isPresent() && best("10.51.0.0/24").isPresent());
        long refreshes = peer().routeRefreshesReceived();
        assertThat(viaduct.requestRouteRefresh(v4(net + "2"), Family.IPV4_UNICAST)).isTrue();
        // BIRD answers with BoRR, its routes, EoRR: two ROUTE-REFRESH messages, and nothing it re-sent is purged
        Poll.until("BIRD's BoRR and EoRR", T, () -> peer().routeRefreshesReceived() >= refreshes + 2);
        Poll.until("BIRD's routes survive the refresh, not stale", T, () -> best("10.50.0.0/24").filter(r -> !r.stale()).isPresent()
                && best("10.51.0.0/24").filter(r -> !r.stale()).isPresent());

        viaduct.originate(IpPrefix.parse("10.53.0.0/24"));
        Poll.until("BIRD has our route", T, () -> bird.route("10.53.0.0/24").contains("BGP.as_path: 65030"));
        bird.cli("reload", "in", "ve");
        Poll.until("BIRD got our BoRR and EoRR", T, () -> birdLog().contains("Got BEGIN-OF-RR") && birdLog().contains("Got END-OF-RR"));
        assertThat(birdLog().indexOf("Got END-OF-RR")).isGreaterThan(birdLog().indexOf("Got BEGIN-OF-RR"));
        assertThat(bird.route("10.53.0.0/24")).contains("BGP.as_path: 65030");
    }
}
