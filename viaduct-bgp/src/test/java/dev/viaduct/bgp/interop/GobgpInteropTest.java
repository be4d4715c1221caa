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
 * Interop with a real gobgpd: AS 65050 with an iBGP session to Viaduct speaker I (AS 65050) and an eBGP
 * session to Viaduct speaker E (AS 65060); GoBGP's routes are injected with its CLI and its RIB read back as
 * JSON.
 */
@Tag("root")
class GobgpInteropTest {
    @RegisterExtension
    static Netns fixture = Netns.perClass();

    static String net;
    static BgpSpeaker ibgp;
    static BgpSpeaker ebgp;
    static Interop.Gobgp gobgp;

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        net = Interop.subnet();
        ibgp = Interop.speaker(65050, net + "1", SpeakerConfig.GracefulRestart.DEFAULT);
        ebgp = Interop.speaker(65060, net + "3", SpeakerConfig.GracefulRestart.DEFAULT);
        String addr = net + "2";
        int port = Interop.freePort(v4(addr));
        Path dir = Interop.scratch("gobgp");
        gobgp = Interop.startGobgp(fixture, dir, """
                [global.config]
                  as = 65050
                  router-id = "%s"
                  port = %d
                  local-address-list = ["%s"]
                """.formatted(addr, port, addr)
                + Interop.GOBGP_NEIGHBOR.formatted(net + "1", 65050, ibgp.listenAddress().getPort(), addr)
                + Interop.GOBGP_NEIGHBOR.formatted(net + "3", 65060, ebgp.listenAddress().getPort(), addr));
        // GoBGP treats loopback next hops as invalid: announce documentation addresses (never forwarded to)
        ibgp.addPeer(PeerConfig.builder(v4(addr), 65050).name("gobgp").port(port).nextHopV4(v4("192.0.2.1"))
                .nextHopV6(IpAddresses.parse("2001:db8::1")).build());
        ebgp.addPeer(PeerConfig.builder(v4(addr), 65050).name("gobgp").port(port).nextHopV4(v4("192.0.2.3"))
                .nextHopV6(IpAddresses.parse("2001:db8::3")).build());
        Poll.until("both sessions with GoBGP established", T, () -> ibgp.peers().getFirst().established() && ebgp.peers().getFirst().established());
        gobgp.cli("global", "rib", "add", "10.50.0.0/24", "-a", "ipv4").orThrow();
        gobgp.cli("global", "rib", "add", "10.51.0.0/24", "-a", "ipv4", "community", "65050:51").orThrow();
        gobgp.cli("global", "rib", "add", "fd50::/64", "-a", "ipv6", "nexthop", "2001:db8::50").orThrow();
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

    static String gobgpPaths(String family, String prefix) {
        JsonNode n = gobgp.rib(family).path(prefix);
        return n.isMissingNode() ? "" : n.toString();
    }

    @Test
    void gobgpRoutesReachViaductOverIbgpAndEbgp() {
        RibRoute i = Poll.until("iBGP route from GoBGP", T, () -> best(ibgp, "10.50.0.0/24"), Optional::isPresent).orElseThrow();
        assertThat(i.attrs().asPath()).isEmpty();
        RibRoute e = Poll.until("eBGP route from GoBGP", T, () -> best(ebgp, "10.51.0.0/24"), Optional::isPresent).orElseThrow();
        assertThat(e.attrs().asPath().toString()).isEqualTo("[65050]");
        assertThat(e.attrs().hasCommunity(65050 << 16 | 51)).isTrue();
        RibRoute v6 = Poll.until("IPv6 route from GoBGP", T, () -> best(ibgp, "fd50::/64"), Optional::isPresent).orElseThrow();
        assertThat(v6.attrs().nextHop().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:50");
        assertThat(ibgp.peers().getFirst().families()).containsExactlyInAnyOrder(Family.IPV4_UNICAST, Family.IPV6_UNICAST);
    }

    @Test
    void viaductRoutesReachGobgpAndWithdrawalsPropagate() {
        ibgp.originate(IpPrefix.parse("10.244.5.0/26"));
        ebgp.originate(IpPrefix.parse("10.245.5.0/26"));
        ebgp.originate(IpPrefix.parse("fd47::/64"));
        Poll.until("GoBGP learns the iBGP route", T, () -> gobgpPaths("ipv4", "10.244.5.0/26"), s -> !s.isEmpty());
        String e = Poll.until("GoBGP learns the eBGP route", T, () -> gobgpPaths("ipv4", "10.245.5.0/26"), s -> s.contains("65060"));
        assertThat(e).contains("192.0.2.3");
        Poll.until("GoBGP learns the IPv6 route", T, () -> gobgpPaths("ipv6", "fd47::/64"), s -> s.contains("2001:db8::3"));

        ebgp.withdraw(IpPrefix.parse("10.245.5.0/26"));
        Poll.until("GoBGP drops the withdrawn route", T, () -> gobgpPaths("ipv4", "10.245.5.0/26").isEmpty());
        gobgp.cli("global", "rib", "add", "10.52.0.0/24", "-a", "ipv4").orThrow();
        Poll.until("Viaduct learns a new GoBGP route", T, () -> best(ebgp, "10.52.0.0/24").isPresent());
        gobgp.cli("global", "rib", "del", "10.52.0.0/24", "-a", "ipv4").orThrow();
        Poll.until("Viaduct drops GoBGP's withdrawn route", T, () -> best(ebgp, "10.52.0.0/24").isEmpty());
    }

    /** GoBGP keeps an Adj-RIB-In, so its own soft reset never sends ROUTE-REFRESH; only our request is testable. */
    @Test
    void gobgpAnswersOurRouteRefresh() {
        Poll.until("route present", T, () -> best(ebgp, "10.50.0.0/24").isPresent());
        long before = ebgp.peers().getFirst().updatesReceived();
        assertThat(ebgp.requestRouteRefresh(v4(net + "2"), Family.IPV4_UNICAST)).isTrue();
        Poll.until("GoBGP re-sends its routes after our ROUTE-REFRESH", T, () -> ebgp.peers().getFirst().updatesReceived() > before);
        assertThat(best(ebgp, "10.50.0.0/24")).isPresent();
    }
}
