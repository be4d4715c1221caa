package dev.viaduct.bgp.interop;

import static dev.viaduct.bgp.interop.Interop.T;
import static dev.viaduct.bgp.interop.Interop.v4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.rib.BestPathChange;
import dev.viaduct.bgp.rib.LocalRoute;
import dev.viaduct.bgp.rib.RibRoute;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Graceful restart (RFC 4724) against a real BIRD, in both roles: BIRD restarts (killed with SIGKILL, so its
 * sessions just vanish) and Viaduct, the receiving speaker, keeps its routes until BIRD's End-of-RIB or the
 * restart timer; Viaduct restarts (dropped without NOTIFICATION) and BIRD keeps Viaduct's routes until the
 * new Viaduct, setting the R bit, sends its End-of-RIB.
 */
@Tag("root")
class GracefulRestartInteropTest {
    @RegisterExtension
    Netns fixture = Netns.perTest();

    String net;
    BgpSpeaker viaduct;
    int birdPort;

    @BeforeEach
    void start() throws Exception {
        Netns.requireRoot();
        net = Interop.subnet();
        viaduct = Interop.speaker(65200, net + "1", new SpeakerConfig.GracefulRestart(120, false, true, 60));
        birdPort = Interop.freePort(v4(net + "2"));
    }

    @AfterEach
    void stop() {
        if (viaduct != null) {
            viaduct.close();
        }
    }

    String birdConfig(String statics, int viaduct2Port) {
        return """
                router id %1$s;
                log stderr all;
                protocol device {}
                protocol direct { ipv4; interface "lo"; }
                protocol static s4 { ipv4; %2$s }
                template bgp g {
                  local %1$s port %3$d as 65201;
                  multihop;
                  hold time 9;
                  connect retry time 1;
                  error wait time 1, 2;
                  graceful restart on;
                  graceful restart time 5;
                  ipv4 { import all; export where source = RTS_STATIC || source = RTS_BGP; };
                }
                protocol bgp vdc from g { neighbor %4$s port %5$d as 65200; }
                %6$s
                """.formatted(net + "2", statics, birdPort, net + "1", viaduct.listenAddress().getPort(),
                viaduct2Port == 0 ? "" : "protocol bgp vdc2 from g { neighbor " + net + "3 port " + viaduct2Port + " as 65202; }");
    }

    Interop.Bird bird(String statics, int viaduct2Port) {
        return Interop.startBird(fixture, Interop.scratch("gr-bird"), birdConfig(statics, viaduct2Port));
    }

    Optional<RibRoute> route(String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return viaduct.locRib(Family.IPV4_UNICAST).stream().filter(r -> r.prefix().equals(p) && r.best()).findFirst();
    }

    void addBirdPeer() {
        viaduct.addPeer(PeerConfig.builder(v4(net + "2"), 65201).name("bird").port(birdPort).build());
    }

    @Test
    void restartingPeerKeepsItsRoutesUntilEndOfRib() {
        List<BestPathChange> events = new CopyOnWriteArrayList<>();
        viaduct.subscribe(events::addAll);
        Interop.Bird first = bird("route 10.80.1.0/24 blackhole; route 10.80.2.0/24 blackhole;", 0);
        addBirdPeer();
        Poll.until("both routes learned", T, () -> route("10.80.1.0/24").isPresent() && route("10.80.2.0/24").isPresent());
        assertThat(viaduct.peers().getFirst().gracefulRestart()).isTrue();

        first.process().destroyForcibly();
        Poll.until("session down after BIRD died", T, () -> !viaduct.peers().getFirst().established());
        // the peer's status changes first; the RIB thread marks the routes stale right after (asynchronously)
        Poll.until("both routes kept, marked stale", T, () -> route("10.80.1.0/24").map(RibRoute::stale).orElse(false)
                && route("10.80.2.0/24").map(RibRoute::stale).orElse(false));

        // BIRD comes back (recovery mode: R and F bits) announcing only one of the two routes
        Interop.Bird second = Interop.startBirdRecovering(fixture, Interop.scratch("gr-bird2"), birdConfig("route 10.80.1.0/24 blackhole;", 0));
        Poll.until("session re-established", T, () -> viaduct.peers().getFirst().established());
        Poll.until("after BIRD's End-of-RIB the route it no longer has is gone", T, () -> route("10.80.2.0/24").isEmpty());
        assertThat(route("10.80.1.0/24")).get().extracting(RibRoute::stale).isEqualTo(false);
        // forwarding never stopped for the route BIRD kept: no withdrawal of it was ever published
        assertThat(events).noneMatch(e -> e.prefix().equals(IpPrefix.parse("10.80.1.0/24")) && e.withdrawn());
        assertThat(events).anyMatch(e -> e.prefix().equals(IpPrefix.parse("10.80.2.0/24")) && e.withdrawn());
        assertThat(second.established("vdc")).isTrue();
    }

    @Test
    void routesOfAPeerThatNeverReturnsGoWhenItsRestartTimeRunsOut() {
        Interop.Bird b = bird("route 10.81.1.0/24 blackhole;", 0);
        addBirdPeer();
        Poll.until("route learned", T, () -> route("10.81.1.0/24").isPresent());
        b.process().destroyForcibly();
        Poll.until("session down after BIRD died", T, () -> !viaduct.peers().getFirst().established());
        Poll.until("route kept, marked stale", T, () -> route("10.81.1.0/24").map(RibRoute::stale).orElse(false));
        // BIRD advertised a 5 s restart time
        Poll.until("stale route flushed when the restart timer expires", T, () -> route("10.81.1.0/24").isEmpty());
    }

    @Test
    void viaductRestartingKeepsItsRoutesAtBirdUntilItsEndOfRib() throws Exception {
        String v2Addr = net + "3";
        BgpSpeaker v2 = BgpSpeaker.start(SpeakerConfig.builder(65202, v4(v2Addr)).listen(new InetSocketAddress(v4(v2Addr), 0))
                .connectRetrySeconds(1).holdTime(9).gracefulRestart(new SpeakerConfig.GracefulRestart(60, false, true, 60))
                .route(LocalRoute.of(IpPrefix.parse("10.90.1.0/24"))).route(LocalRoute.of(IpPrefix.parse("10.90.2.0/24"))).build());
        int port = v2.listenAddress().getPort();
        Interop.Bird b = bird("route 10.82.1.0/24 blackhole;", port);
        BgpSpeaker v3 = null;
        try {
            v2.addPeer(PeerConfig.builder(v4(net + "2"), 65201).name("bird").port(birdPort).build());
            Poll.until("BIRD learns both routes", T, () -> b.hasRoute("10.90.1.0/24") && b.hasRoute("10.90.2.0/24"));
            v2.closeAbruptly();
            Poll.until("BIRD notices the session is gone and starts its graceful-restart handling", T,
                    () -> b.cli("show", "protocols", "all", "vdc2").contains("Neighbor graceful restart active"));
            assertThat(b.hasRoute("10.90.1.0/24")).as("BIRD keeps our routes while we restart").isTrue();
            assertThat(b.hasRoute("10.90.2.0/24")).isTrue();

            // the restarted speaker: same identity and port, R bit set, only one of the two routes
            v3 = BgpSpeaker.start(SpeakerConfig.builder(65202, v4(v2Addr)).listen(new InetSocketAddress(v4(v2Addr), port))
                    .connectRetrySeconds(1).holdTime(9).gracefulRestart(new SpeakerConfig.GracefulRestart(60, true, true, 60))
                    .route(LocalRoute.of(IpPrefix.parse("10.90.1.0/24")))
                    .peer(PeerConfig.builder(v4(net + "2"), 65201).name("bird").port(birdPort).build()).build());
            Poll.until("BIRD re-establishes with the restarted Viaduct", T, () -> b.established("vdc2"));
            Poll.until("after our End-of-RIB BIRD drops the route we no longer announce", T, () -> !b.hasRoute("10.90.2.0/24"));
            assertThat(b.hasRoute("10.90.1.0/24")).isTrue();
            // the R bit we set after the restart (BIRD lists it as "Restart recovery" among our capabilities)
            assertThat(b.cli("show", "protocols", "all", "vdc2")).contains("Restart recovery");
        } finally {
            v2.close();
            if (v3 != null) {
                v3.close();
            }
        }
    }
}
