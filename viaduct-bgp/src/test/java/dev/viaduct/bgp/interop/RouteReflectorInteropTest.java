package dev.viaduct.bgp.interop;

import static dev.viaduct.bgp.interop.Interop.T;
import static dev.viaduct.bgp.interop.Interop.v4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.PeerStatus;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Viaduct as a route reflector (RFC 4456) for real clients, in AS 65100:
 * <pre>
 *   BIRD (client) ---\                 /--- FRR (client)
 *                     Viaduct RR, cluster 10.0.0.100
 *   BIRD (client) --- FRR RR2, same cluster, non-client peer of Viaduct (a redundant reflector)
 * </pre>
 * Client routes are reflected to the other client and to the non-client with ORIGINATOR_ID and CLUSTER_LIST;
 * the non-client's routes go to clients only; a route coming back through the redundant reflector carries our
 * cluster ID and is dropped (and the other reflector drops ours likewise).
 */
@Tag("root")
class RouteReflectorInteropTest {
    static final String CLUSTER = "10.0.0.100";

    @RegisterExtension
    static Netns fixture = Netns.perClass();

    static String net;
    static BgpSpeaker rr;
    static Interop.Bird bird;
    static Interop.Frr frr;
    static Interop.Frr frr2;

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        net = Interop.subnet();
        String rrAddr = net + "1";
        String birdAddr = net + "2";
        String frrAddr = net + "3";
        String rr2Addr = net + "4";
        rr = BgpSpeaker.start(SpeakerConfig.builder(65100, v4(rrAddr)).listen(new InetSocketAddress(v4(rrAddr), 0))
                .clusterId(v4(CLUSTER)).connectRetrySeconds(1).holdTime(9).build());
        int rrPort = rr.listenAddress().getPort();
        int birdPort = Interop.freePort(v4(birdAddr));
        int frrPort = Interop.freePort(v4(frrAddr));
        int rr2Port = Interop.freePort(v4(rr2Addr));
        bird = Interop.startBird(fixture, Interop.scratch("rr-bird"), """
                router id %1$s;
                log stderr all;
                protocol device {}
                protocol direct { ipv4; interface "lo"; }
                protocol static s4 { ipv4; route 10.70.0.0/24 blackhole; }
                template bgp rrt {
                  local %1$s port %2$d as 65100;
                  multihop;
                  hold time 9;
                  connect retry time 1;
                  error wait time 1, 2;
                  ipv4 { import all; export where source = RTS_STATIC; next hop address 192.0.2.2; };
                }
                protocol bgp viaduct from rrt { neighbor %3$s port %4$d as 65100; }
                protocol bgp rr2 from rrt { neighbor %5$s port %6$d as 65100; }
                """.formatted(birdAddr, birdPort, rrAddr, rrPort, rr2Addr, rr2Port));
        frr = Interop.startFrr(fixture, Interop.scratch("rr-frr"), frrAddr, frrPort, """
                frr defaults traditional
                hostname frr-client
                router bgp 65100
                 bgp router-id %1$s
                 no bgp network import-check
                 timers bgp 3 9
                 neighbor %2$s remote-as 65100
                 neighbor %2$s port %3$d
                 neighbor %2$s update-source %1$s
                 neighbor %2$s timers connect 1
                 address-family ipv4 unicast
                  network 10.71.0.0/24 route-map nh
                 exit-address-family
                !
                route-map nh permit 10
                 set ip next-hop 192.0.2.3
                !
                """.formatted(frrAddr, rrAddr, rrPort));
        frr2 = Interop.startFrr(fixture, Interop.scratch("rr-frr2"), rr2Addr, rr2Port, """
                frr defaults traditional
                hostname frr-redundant-rr
                router bgp 65100
                 bgp router-id %1$s
                 bgp cluster-id %6$s
                 no bgp network import-check
                 timers bgp 3 9
                 neighbor %2$s remote-as 65100
                 neighbor %2$s port %3$d
                 neighbor %2$s update-source %1$s
                 neighbor %2$s timers connect 1
                 neighbor %4$s remote-as 65100
                 neighbor %4$s port %5$d
                 neighbor %4$s update-source %1$s
                 neighbor %4$s timers connect 1
                 address-family ipv4 unicast
                  neighbor %4$s route-reflector-client
                  network 10.72.0.0/24 route-map nh
                 exit-address-family
                !
                route-map nh permit 10
                 set ip next-hop 192.0.2.4
                !
                """.formatted(rr2Addr, rrAddr, rrPort, birdAddr, birdPort, CLUSTER));
        rr.addPeer(PeerConfig.builder(v4(birdAddr), 65100).name("bird").port(birdPort).rrClient(true).families(java.util.Set.of(Family.IPV4_UNICAST)).build());
        rr.addPeer(PeerConfig.builder(v4(frrAddr), 65100).name("frr").port(frrPort).rrClient(true).families(java.util.Set.of(Family.IPV4_UNICAST)).build());
        rr.addPeer(PeerConfig.builder(v4(rr2Addr), 65100).name("rr2").port(rr2Port).families(java.util.Set.of(Family.IPV4_UNICAST)).build());
        Poll.until("three sessions established", T, () -> rr.peers().stream().allMatch(PeerStatus::established));
    }

    @AfterAll
    static void stop() {
        if (rr != null) {
            rr.close();
        }
    }

    static List<RibRoute> candidates(String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return rr.locRib(Family.IPV4_UNICAST).stream().filter(r -> r.prefix().equals(p)).toList();
    }

    static PeerStatus status(String name) {
        return rr.peers().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void clientRouteIsReflectedToTheOtherClientWithOriginatorAndClusterList() {
        JsonNode path = Poll.until("FRR learns BIRD's route through the reflector", T,
                () -> frr.json("show bgp ipv4 unicast 10.70.0.0/24 json").path("paths").path(0), n -> !n.isMissingNode());
        assertThat(path.path("originatorId").asString()).isEqualTo(net + "2");
        assertThat(path.path("clusterList").toString()).contains(CLUSTER);
        assertThat(path.path("nexthops").toString()).contains("192.0.2.2"); // next hop untouched when reflecting

        String onBird = Poll.until("BIRD learns FRR's route through the reflector", T,
                () -> bird.cli("show", "route", "10.71.0.0/24", "protocol", "viaduct", "all"), s -> s.contains("BGP.originator_id"));
        assertThat(onBird).contains("BGP.originator_id: " + net + "3").contains("BGP.cluster_list: " + CLUSTER);
    }

    @Test
    void nonClientRouteGoesToClientsOnly() {
        JsonNode path = Poll.until("FRR (client) learns the redundant reflector's (non-client) route", T,
                () -> frr.json("show bgp ipv4 unicast 10.72.0.0/24 json").path("paths").path(0), n -> !n.isMissingNode());
        assertThat(path.path("originatorId").asString()).isEqualTo(net + "4");
        Poll.until("BIRD (client) learns it from Viaduct", T, () -> bird.cli("show", "route", "10.72.0.0/24", "protocol", "viaduct").contains("10.72.0.0/24"));
        assertThat(rr.adjRibOut(v4(net + "4"), Family.IPV4_UNICAST)).noneMatch(r -> r.prefix().equals(IpPrefix.parse("10.72.0.0/24")));
    }

    @Test
    void reflectedRoutesNeverLoop() {
        Poll.until("BIRD's route reaches Viaduct", T, () -> !candidates("10.70.0.0/24").isEmpty());
        // FRR, the redundant reflector of the same cluster, reflects BIRD's route to us with our cluster ID:
        // RFC 4456 §8 says drop it. We count the drop as an RFC 7606-style treat-as-withdraw.
        Poll.until("the looped copy from the redundant reflector arrives and is dropped", T, () -> status("rr2").softErrors() > 0);
        assertThat(candidates("10.70.0.0/24")).extracting(RibRoute::source).containsExactly("bird");
        assertThat(rr.adjRibIn(v4(net + "4"), Family.IPV4_UNICAST)).noneMatch(r -> r.prefix().equals(IpPrefix.parse("10.70.0.0/24")));
        // and FRR drops the copy we reflect to it (same cluster ID): it holds BIRD's path only
        JsonNode paths = Poll.until("the redundant reflector has BIRD's route", T,
                () -> frr2.json("show bgp ipv4 unicast 10.70.0.0/24 json").path("paths"), n -> n.size() > 0);
        assertThat(paths.size()).isEqualTo(1);
        assertThat(paths.path(0).path("peer").path("peerId").asString()).isEqualTo(net + "2");
        // a client's route is not sent back to that client
        assertThat(rr.adjRibOut(v4(net + "2"), Family.IPV4_UNICAST)).noneMatch(r -> r.prefix().equals(IpPrefix.parse("10.70.0.0/24")));
        assertThat(rr.adjRibOut(v4(net + "4"), Family.IPV4_UNICAST)).anyMatch(r -> r.prefix().equals(IpPrefix.parse("10.70.0.0/24"))
                && r.attrs().clusterListContains(PeerStatusHelper.ip(CLUSTER)) && r.attrs().originatorId() == PeerStatusHelper.ip(net + "2"));
    }

    /** Dotted quads as the ints the RIB keeps. */
    static final class PeerStatusHelper {
        static int ip(String s) {
            byte[] b = v4(s).getAddress();
            return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        }
    }
}
