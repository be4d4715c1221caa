package dev.viaduct.bgp.rib;

import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.sys.net.IpAddresses;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.AsPathSegment;
import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PrefixList;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Enhanced Route Refresh (RFC 7313 §4) in the RIB: stale marking on BoRR, purge on EoRR or timer, and our own BoRR/EoRR. */
class EnhancedRouteRefreshTest {
    static final long S = 1_000_000_000L;
    static final CodecOptions ENHANCED = new CodecOptions(true, false, true);
    static final int STALE_SECONDS = 60;

    final Rib rib = new Rib(new Rib.Settings(65000, 0x0a000001, 0x0a000001, false, 100, STALE_SECONDS), null, null);
    final List<byte[]> sent = new ArrayList<>();

    RibPeer peer(String name, long as, String address, CodecOptions codec) {
        return peer(name, as, address, codec, null);
    }

    RibPeer peer(String name, long as, String address, CodecOptions codec, Capability.GracefulRestart gr) {
        RibPeer p = rib.addPeer(new RibPeer.Settings(name, as, false, false, null, null, null, null));
        rib.peerUp(p, new RibPeer.Session(IpAddresses.parse(address), 1, IpAddresses.parse("10.0.0.1"), Set.of(Family.IPV4_UNICAST),
                codec, true, gr, sent::add), 0);
        sent.clear();
        return p;
    }

    void announce(RibPeer p, long med, String... prefixes) {
        List<IpPrefix> l = new ArrayList<>();
        for (String s : prefixes) {
            l.add(IpPrefix.parse(s));
        }
        RouteAttrs a = RouteAttrs.builder().nextHop(IpAddresses.parse("10.0.0.2")).asPath(List.of(AsPathSegment.sequence(65001))).med(med).build();
        rib.apply(p, new InboundUpdate(null, List.of(), List.of(new InboundUpdate.Announcement(PrefixList.of(Family.IPV4_UNICAST, l), a))), 0);
        rib.flush();
    }

    List<RibRoute> route(String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return rib.locRib(Family.IPV4_UNICAST).stream().filter(r -> r.prefix().equals(p)).toList();
    }

    @Test
    void routesNotReadvertisedBetweenBorrAndEorrArePurged() {
        RibPeer a = peer("a", 65001, "10.0.0.2", ENHANCED);
        announce(a, 10, "10.40.0.0/16", "10.41.0.0/16", "10.42.0.0/16");

        rib.routeRefreshBegins(a, Family.IPV4_UNICAST, 0);
        rib.flush();
        assertThat(route("10.42.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(true);
        announce(a, 10, "10.40.0.0/16");
        announce(a, 20, "10.41.0.0/16");
        assertThat(route("10.42.0.0/16")).hasSize(1); // kept until the EoRR

        rib.routeRefreshEnds(a, Family.IPV4_UNICAST);
        rib.flush();
        assertThat(route("10.42.0.0/16")).isEmpty();
        assertThat(route("10.40.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(false);
        assertThat(route("10.41.0.0/16")).singleElement().satisfies(r -> {
            assertThat(r.stale()).isFalse();
            assertThat(r.attrs().med()).isEqualTo(20);
        });
        assertThat(rib.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void staleRoutesArePurgedByTheTimerWhenNoEorrComes() {
        RibPeer a = peer("a", 65001, "10.0.0.2", ENHANCED);
        announce(a, 10, "10.43.0.0/16", "10.44.0.0/16");
        rib.routeRefreshBegins(a, Family.IPV4_UNICAST, 5 * S);
        announce(a, 10, "10.43.0.0/16");
        assertThat(rib.nextDeadline()).isEqualTo((5 + STALE_SECONDS) * S);
        rib.onTimers((4 + STALE_SECONDS) * S);
        assertThat(route("10.44.0.0/16")).hasSize(1);
        rib.onTimers((5 + STALE_SECONDS) * S);
        rib.flush();
        assertThat(route("10.44.0.0/16")).isEmpty();
        assertThat(route("10.43.0.0/16")).hasSize(1);
    }

    @Test
    void borrFromAGracefulRestartPeerBeforeItsEndOfRibIsIgnored() {
        Capability.GracefulRestart gr = new Capability.GracefulRestart(false, false, 30, List.of(new Capability.GrFamily(Family.IPV4_UNICAST, true)));
        RibPeer a = peer("a", 65001, "10.0.0.2", ENHANCED, gr);
        announce(a, 10, "10.48.0.0/16");
        rib.routeRefreshBegins(a, Family.IPV4_UNICAST, 0); // RFC 7313 §4: before End-of-RIB, ignored
        rib.routeRefreshEnds(a, Family.IPV4_UNICAST);
        rib.flush();
        assertThat(route("10.48.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(false);

        rib.apply(a, new InboundUpdate(Family.IPV4_UNICAST, List.of(), List.of()), 0); // End-of-RIB
        rib.routeRefreshBegins(a, Family.IPV4_UNICAST, 0);
        rib.routeRefreshEnds(a, Family.IPV4_UNICAST);
        rib.flush();
        assertThat(route("10.48.0.0/16")).isEmpty();
    }

    @Test
    void eorrWithoutBorrChangesNothing() {
        RibPeer a = peer("a", 65001, "10.0.0.2", ENHANCED);
        announce(a, 10, "10.45.0.0/16");
        rib.routeRefreshEnds(a, Family.IPV4_UNICAST);
        rib.flush();
        assertThat(route("10.45.0.0/16")).singleElement().extracting(RibRoute::stale).isEqualTo(false);
    }

    @Test
    void ourReadvertisementIsFramedByBorrAndEorrWhenNegotiated() throws BgpDecodeException {
        RibPeer src = peer("src", 65001, "10.0.0.2", ENHANCED);
        announce(src, 10, "10.46.0.0/16");
        RibPeer b = peer("b", 65003, "10.0.0.3", ENHANCED);
        rib.routeRefreshRequested(b, Family.IPV4_UNICAST);
        assertThat(sent).hasSize(3);
        // ROUTE-REFRESH, AFI 1, subtype 1 (BoRR) then 2 (EoRR), SAFI 1
        assertThat(HexFormat.of().formatHex(sent.getFirst())).isEqualTo("ffffffffffffffffffffffffffffffff" + "0017" + "05" + "0001" + "01" + "01");
        assertThat(((BgpMessage.Update) BgpCodec.decode(sent.get(1), ENHANCED)).nlri()).containsExactly(IpPrefix.parse("10.46.0.0/16"));
        assertThat(HexFormat.of().formatHex(sent.getLast())).isEqualTo("ffffffffffffffffffffffffffffffff" + "0017" + "05" + "0001" + "02" + "01");
    }

    @Test
    void plainRouteRefreshGetsNoDemarcation() throws BgpDecodeException {
        RibPeer src = peer("src", 65001, "10.0.0.2", CodecOptions.FOUR_OCTET_AS);
        announce(src, 10, "10.47.0.0/16");
        RibPeer b = peer("b", 65003, "10.0.0.3", CodecOptions.FOUR_OCTET_AS);
        rib.routeRefreshRequested(b, Family.IPV4_UNICAST);
        assertThat(sent).singleElement().satisfies(m -> assertThat(BgpCodec.decode(m, CodecOptions.FOUR_OCTET_AS)).isInstanceOf(BgpMessage.Update.class));
    }
}
