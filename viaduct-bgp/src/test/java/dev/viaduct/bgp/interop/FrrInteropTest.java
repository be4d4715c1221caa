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
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Interop with a real FRR bgpd (no zebra): one bgpd (AS 65030) with an iBGP session to Viaduct speaker I (AS
 * 65030) and an eBGP session to Viaduct speaker E (AS 4200000040, a 4-octet AS); both families both ways,
 * withdrawals, route refresh in both directions.
 */
@Tag("root")
class FrrInteropTest {
    @RegisterExtension
    static Netns fixture = Netns.perClass();

    static String net;
    static BgpSpeaker ibgp;
    static BgpSpeaker ebgp;
    static Interop.Frr frr;

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        net = Interop.subnet();
        ibgp = Interop.speaker(65030, net + "1", SpeakerConfig.GracefulRestart.DEFAULT);
        ebgp = Interop.speaker(4200000040L, net + "3", SpeakerConfig.GracefulRestart.DEFAULT);
        String frrAddr = net + "2";
        int port = Interop.freePort(v4(frrAddr));
        Path dir = Interop.scratch("frr");
        frr = Interop.startFrr(fixture, dir, frrAddr, port, """
                frr defaults traditional
                hostname frr-interop
                log stdout informational
                router bgp 65030
                 bgp router-id %1$s
                 no bgp ebgp-requires-policy
                 no bgp network import-check
                 bgp graceful-restart
                 timers bgp 3 9
                 neighbor %2$s remote-as 65030
                 neighbor %2$s port %3$d
                 neighbor %2$s update-source %1$s
                 neighbor %2$s timers connect 1
                 neighbor %4$s remote-as 4200000040
                 neighbor %4$s port %5$d
                 neighbor %4$s update-source %1$s
                 neighbor %4$s timers connect 1
                 neighbor %4$s ebgp-multihop 2
                 address-family ipv4 unicast
                  network 10.30.0.0/24
                  network 10.31.0.0/24
                 exit-address-family
                 address-family ipv6 unicast
                  neighbor %2$s activate
                  neighbor %4$s activate
                  network fd30::/64
                 exit-address-family
                !
                """.formatted(frrAddr, net + "1", ibgp.listenAddress().getPort(), net + "3", ebgp.listenAddress().getPort()));
        // FRR refuses 127/8 next hops as martians: announce documentation addresses instead (never forwarded to)
        ibgp.addPeer(PeerConfig.builder(v4(frrAddr), 65030).name("frr").port(port).nextHopV4(v4("192.0.2.1"))
                .nextHopV6(IpAddresses.parse("2001:db8::1")).build());
        ebgp.addPeer(PeerConfig.builder(v4(frrAddr), 65030).name("frr").port(port).nextHopV4(v4("192.0.2.3"))
                .nextHopV6(IpAddresses.parse("2001:db8::3")).build());
        Poll.until("both sessions with FRR established", T, () -> ibgp.peers().getFirst().established() && ebgp.peers().getFirst().established());
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

    static JsonNode frrPath(String afi, String prefix) {
        JsonNode paths = frr.routes(afi).path(prefix);
        return paths.isArray() && !paths.isEmpty() ? paths.get(0) : null;
    }

    @Test
    void frrRoutesReachViaductOverIbgpAndEbgp() {
        RibRoute i = Poll.until("iBGP route from FRR", T, () -> best(ibgp, "10.30.0.0/24"), Optional::isPresent).orElseThrow();
        assertThat(i.attrs().asPath()).isEmpty();
        RibRoute e = Poll.until("eBGP route from FRR", T, () -> best(ebgp, "10.30.0.0/24"), Optional::isPresent).orElseThrow();
        assertThat(e.attrs().asPath().toString()).isEqualTo("[65030]");
        Poll.until("IPv6 route from FRR", T, () -> best(ebgp, "fd30::/64"), Optional::isPresent);
        assertThat(ebgp.peers().getFirst().families()).containsExactlyInAnyOrder(Family.IPV4_UNICAST, Family.IPV6_UNICAST);
    }

    @Test
    void viaductRoutesReachFrrWithFourOctetAsAndWithdrawalsPropagate() {
        ibgp.originate(IpPrefix.parse("10.244.3.0/26"));
        ebgp.originate(IpPrefix.parse("10.245.3.0/26"));
        ebgp.originate(IpPrefix.parse("fd46::/64"));
        JsonNode i = Poll.until("FRR learns the iBGP route", T, () -> frrPath("ipv4", "10.244.3.0/26"), n -> n != null);
        assertThat(i.path("pathFrom").asString()).isEqualTo("internal");
        JsonNode e = Poll.until("FRR learns the eBGP route", T, () -> frrPath("ipv4", "10.245.3.0/26"), n -> n != null);
        assertThat(e.path("path").asString()).isEqualTo("4200000040");
        Poll.until("FRR learns the IPv6 route", T, () -> frrPath("ipv6", "fd46::/64"), n -> n != null);

        ebgp.withdraw(IpPrefix.parse("10.245.3.0/26"));
        Poll.until("FRR drops the withdrawn route", T, () -> frrPath("ipv4", "10.245.3.0/26") == null);
        frr.vtysh("configure terminal\nrouter bgp 65030\naddress-family ipv4 unicast\nno network 10.31.0.0/24");
        Poll.until("Viaduct drops FRR's withdrawn route", T, () -> best(ebgp, "10.31.0.0/24").isEmpty());
    }

    @Test
    void extendedMessagesAndEnhancedRouteRefreshAreNegotiatedAndFrrFramesItsRefresh() {
        JsonNode caps = frr.json("show bgp neighbors " + net + "3 json").path(net + "3").path("neighborCapabilities");
        assertThat(caps.path("extendedMessage").asString()).as(caps.toString()).isEqualTo("advertisedAndReceived");
        assertThat(caps.path("enhancedRouteRefresh").asString()).as(caps.toString()).isEqualTo("advertisedAndReceived");
        Poll.until("route present", T, () -> best(ebgp, "10.30.0.0/24").isPresent());
        long refreshes = ebgp.peers().getFirst().routeRefreshesReceived();
        assertThat(ebgp.requestRouteRefresh(v4(net + "2"), Family.IPV4_UNICAST)).isTrue();
        // RFC 7313 §4: FRR answers with BoRR, its routes, EoRR; what it re-sent is not purged
        Poll.until("FRR's BoRR and EoRR", T, () -> ebgp.peers().getFirst().routeRefreshesReceived() >= refreshes + 2);
        Poll.until("FRR's route survives the refresh, not stale", T, () -> best(ebgp, "10.30.0.0/24").filter(r -> !r.stale()).isPresent());
    }

    @Test
    void routeRefreshBothWays() {
        Poll.until("route present", T, () -> best(ebgp, "10.30.0.0/24").isPresent());
        long before = ebgp.peers().getFirst().updatesReceived();
        assertThat(ebgp.requestRouteRefresh(v4(net + "2"), Family.IPV4_UNICAST)).isTrue();
        Poll.until("FRR re-sends its routes after our ROUTE-REFRESH", T, () -> ebgp.peers().getFirst().updatesReceived() > before);

        ebgp.originate(IpPrefix.parse("10.247.0.0/24"));
        Poll.until("FRR has our route", T, () -> frrPath("ipv4", "10.247.0.0/24") != null);
        long refreshes = ebgp.peers().getFirst().routeRefreshesReceived();
        frr.vtysh("clear bgp ipv4 unicast " + net + "3 soft in");
        Poll.until("FRR's ROUTE-REFRESH arrives", T, () -> ebgp.peers().getFirst().routeRefreshesReceived() > refreshes);
        Poll.until("FRR still has our route", T, () -> frrPath("ipv4", "10.247.0.0/24") != null);
    }
}
