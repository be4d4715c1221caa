package dev.viaduct.agent.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.agent.route.NetlinkRouteTable;
import dev.viaduct.agent.route.Route;
import dev.viaduct.agent.route.RouteTable;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.KernelFeatures;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The overlay's netlink side in a throw-away namespace, checked independently with {@code ip -d} and
 * {@code bridge fdb}: the VXLAN device as Viaduct creates it, permanent neighbour/FDB entries (and that
 * foreign and non-permanent entries are never touched), onlink tunnel routes that round-trip through the route
 * reconciler's kernel view, and the whole controller converging and cleaning up.
 */
@Tag("root")
class OverlayKernelTest {
    static final Duration T = Duration.ofSeconds(10);

    @RegisterExtension
    final Netns netns = Netns.perTest();
    String ns;

    @BeforeEach
    void namespaceWithAnUplink() {
        Netns.requireRoot();
        ns = netns.create("overlay");
        netns.execOk(ns, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "peer0");
        netns.execOk(ns, "ip", "addr", "add", "10.1.0.1/24", "dev", "eth0");
        netns.execOk(ns, "ip", "link", "set", "eth0", "up");
        netns.execOk(ns, "ip", "link", "set", "peer0", "up");
    }

    String ip(String... args) {
        return netns.execOk(ns, args);
    }

    @Test
    @SuppressWarnings("try") // the subscription only has to be open
    void vxlanDeviceAddressesAndEntriesAsIpAndBridgeSeeThem() throws Exception {
        try (NetNamespace n = NetNamespace.openNamed(ns); NetlinkOverlayKernel k = new NetlinkOverlayKernel(n)) {
            HardwareAddress mac = OverlayController.vtepMac("n1");
            k.createVxlan("vxlan.viaduct", 4096, IpAddresses.parse("10.1.0.1"), 4789, mac, 1450);
            k.addAddress("vxlan.viaduct", IpPrefix.parse("10.244.0.1/32"));
            String link = ip("ip", "-d", "link", "show", "vxlan.viaduct");
            assertThat(link).contains("mtu 1450").contains("link/ether " + mac).contains("vxlan id 4096 local 10.1.0.1")
                    .contains("dstport 4789").contains("nolearning").contains("UP");
            TunnelDevice d = k.device("vxlan.viaduct").orElseThrow();
            assertThat(d.kind()).isEqualTo("vxlan");
            assertThat(d.vni()).isEqualTo(4096);
            assertThat(d.port()).isEqualTo(4789);
            assertThat(d.local()).isEqualTo(IpAddresses.parse("10.1.0.1"));
            assertThat(d.learning()).isFalse();
            assertThat(d.mac()).isEqualTo(mac);
            assertThat(d.addresses()).containsExactly(IpPrefix.parse("10.244.0.1/32"));

            // foreign: a permanent entry on another device, a non-permanent one on ours
            ip("ip", "neigh", "add", "10.1.0.9", "lladdr", "02:00:00:00:00:09", "dev", "eth0", "nud", "permanent");
            ip("ip", "neigh", "add", "10.244.5.5", "lladdr", "02:00:00:00:00:55", "dev", "vxlan.viaduct", "nud", "reachable");
            AtomicInteger changes = new AtomicInteger();
            try (AutoCloseable sub = k.subscribe(changes::incrementAndGet)) {
                var arp = new VxlanEntry.Arp(IpAddresses.parse("10.244.1.1"), HardwareAddress.parse("66:00:00:00:00:03"));
                var fdb = new VxlanEntry.Fdb(HardwareAddress.parse("66:00:00:00:00:03"), IpAddresses.parse("10.1.0.3"));
                assertThat(k.applyEntries("vxlan.viaduct", List.of(arp, fdb), List.of())).isEmpty();
                assertThat(ip("ip", "neigh", "show", "dev", "vxlan.viaduct")).contains("10.244.1.1 lladdr 66:00:00:00:00:03 PERMANENT");
                assertThat(ip("bridge", "fdb", "show", "dev", "vxlan.viaduct")).contains("66:00:00:00:00:03 dst 10.1.0.3 self permanent");
                assertThat(k.entries("vxlan.viaduct")).containsExactlyInAnyOrder(arp, fdb);

                // someone deletes our FDB entry: we hear about it
                int before = changes.get();
                ip("bridge", "fdb", "del", "66:00:00:00:00:03", "dev", "vxlan.viaduct", "dst", "10.1.0.3", "self");
                Poll.until("an event for the deleted FDB entry", T, () -> changes.get() > before);
                assertThat(k.entries("vxlan.viaduct")).containsExactly(arp);
                // deleting what is there and what is not: only the missing one is no problem at all
                assertThat(k.applyEntries("vxlan.viaduct", List.of(), List.of(arp, fdb))).isEmpty();
            }
            assertThat(ip("ip", "neigh", "show", "dev", "vxlan.viaduct")).doesNotContain("10.244.1.1").contains("10.244.5.5");
            assertThat(ip("ip", "neigh", "show", "dev", "eth0")).contains("10.1.0.9 lladdr 02:00:00:00:00:09 PERMANENT");

            k.deleteDevice("vxlan.viaduct");
            assertThat(k.device("vxlan.viaduct")).isEmpty();
            assertThat(netns.exec(ns, "ip", "link", "show", "vxlan.viaduct").ok()).isFalse();
        }
    }

    @Test
    void onlinkTunnelRoutesRoundTripThroughTheRouteTable() throws Exception {
        try (NetNamespace n = NetNamespace.openNamed(ns); NetlinkOverlayKernel k = new NetlinkOverlayKernel(n);
                NetlinkRouteTable table = new NetlinkRouteTable(n, 86)) {
            k.createVxlan("vxlan.viaduct", 4096, IpAddresses.parse("10.1.0.1"), 4789, OverlayController.vtepMac("n1"), 1450);
            Route r = new Route(IpPrefix.parse("10.244.1.0/26"), Route.Type.UNICAST, Route.Scope.UNIVERSE,
                    List.of(Route.NextHop.onlinkVia(IpAddresses.parse("10.244.1.1"), "vxlan.viaduct")), Route.MAIN_TABLE);
            assertThat(table.apply(List.of(new RouteTable.Change(RouteTable.Op.ADD, r))))
                    .containsExactly(new RouteTable.Outcome.Done());
            assertThat(ip("ip", "route", "show", "proto", "86")).contains("10.244.1.0/26 via 10.244.1.1 dev vxlan.viaduct onlink");
            // what the reconciler dumps back is the same route: no endless replace
            assertThat(table.dumpOwned()).anySatisfy(x -> assertThat(x.sameAs(r)).isTrue());
        }
    }

    @Test
    void theControllerConvergesInTheKernelAndCleansUpWhenVxlanIsSwitchedOff() throws Exception {
        FakeTunnelAddresses ipam = new FakeTunnelAddresses();
        AtomicReference<Optional<NodeRecord.Vtep>> published = new AtomicReference<>(Optional.empty());
        AtomicReference<LocalTunnels> tunnels = new AtomicReference<>();
        Uplink uplink = new Uplink("eth0", 2, 1500, List.of(IpPrefix.parse("10.1.0.1/24")));
        try (NetNamespace n = NetNamespace.openNamed(ns); NetlinkOverlayKernel k = new NetlinkOverlayKernel(n);
                OverlayController c = new OverlayController("n1", uplink, k, ipam, Optional.empty(), published::set, tunnels::set, 0,
                        Duration.ofMinutes(10))) {
            c.start();
            c.setPools(List.of(new PoolSettings(IpPrefix.parse("10.244.0.0/16"), EncapMode.CROSS_SUBNET, EncapMode.NEVER, false)));
            c.setVxlanPeers(List.of(new VxlanPeer("n3", IpAddresses.parse("10.244.1.1"), HardwareAddress.parse("66:00:00:00:00:03"),
                    IpAddresses.parse("10.1.0.3"))));
            Poll.until("VXLAN device with entries", T, () -> netns.exec(ns, "bridge", "fdb", "show", "dev", "vxlan.viaduct").stdout(),
                    s -> s.contains("66:00:00:00:00:03 dst 10.1.0.3 self permanent"));
            assertThat(ip("ip", "-4", "addr", "show", "dev", "vxlan.viaduct")).contains("inet 10.244.0.1/32");
            assertThat(ip("ip", "neigh", "show", "dev", "vxlan.viaduct")).contains("10.244.1.1 lladdr 66:00:00:00:00:03 PERMANENT");
            assertThat(published.get()).contains(new NodeRecord.Vtep("10.244.0.1", OverlayController.vtepMac("n1").toString()));

            // drift: an entry deleted by hand comes back (neighbour event → pass)
            ip("ip", "neigh", "del", "10.244.1.1", "dev", "vxlan.viaduct");
            Poll.until("deleted neighbour restored", T, () -> netns.exec(ns, "ip", "neigh", "show", "dev", "vxlan.viaduct").stdout(),
                    s -> s.contains("10.244.1.1 lladdr 66:00:00:00:00:03 PERMANENT"));
            // and the device itself, deleted by hand, is re-created (link event → pass)
            ip("ip", "link", "del", "vxlan.viaduct");
            Poll.until("device re-created with its entries", T, () -> netns.exec(ns, "bridge", "fdb", "show", "dev", "vxlan.viaduct")
                    .stdout(), s -> s.contains("66:00:00:00:00:03 dst 10.1.0.3 self permanent"));

            c.setPools(List.of(new PoolSettings(IpPrefix.parse("10.244.0.0/16"), EncapMode.NEVER, EncapMode.NEVER, false)));
            Poll.until("device removed", T, () -> !netns.exec(ns, "ip", "link", "show", "vxlan.viaduct").ok());
            Poll.until("VTEP withdrawn and address released", T, () -> published.get().isEmpty() && ipam.held.isEmpty());
        }
    }

    @Test
    void ipipDeviceWhereTheKernelHasIpip() throws Exception {
        KernelFeatures.assumeLinkKind("ipip");
        try (NetNamespace n = NetNamespace.openNamed(ns); NetlinkOverlayKernel k = new NetlinkOverlayKernel(n)) {
            k.createIpip("tunl0", 1480);
            assertThat(ip("ip", "-d", "link", "show", "tunl0")).contains("mtu 1480").contains("ipip").contains("UP");
            k.addAddress("tunl0", IpPrefix.parse("10.244.0.1/32"));
            assertThat(k.device("tunl0").orElseThrow().addresses()).contains(IpPrefix.parse("10.244.0.1/32"));
        }
    }

    @Test
    void ipipOnAKernelWithoutItIsReportedAsUnsupported() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(KernelFeatures.hasLinkKind("ipip"),
                "this kernel has ipip; ipipDeviceWhereTheKernelHasIpip covers it");
        try (NetNamespace n = NetNamespace.openNamed(ns); NetlinkOverlayKernel k = new NetlinkOverlayKernel(n)) {
            var e = org.assertj.core.api.Assertions.catchThrowableOfType(OverlayKernel.OverlayException.class,
                    () -> k.createIpip("tunl0", 1480));
            assertThat(e.unsupported()).isTrue();
            assertThat(e.getMessage()).contains("tunl0");
        }
    }
}
