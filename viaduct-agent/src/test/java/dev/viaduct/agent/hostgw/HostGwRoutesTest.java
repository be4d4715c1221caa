package dev.viaduct.agent.hostgw;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.route.Route;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostGwRoutesTest {
    static NodeRecord node(String name, String... addrs) {
        return new NodeRecord(name, List.of(addrs), "eth0", Map.of(), "host-gw", 0, null, "test");
    }

    static BlockView block(String cidr, String owner, Object... allocs) {
        var l = new java.util.ArrayList<BlockView.Allocation>();
        for (int i = 0; i < allocs.length; i += 2) {
            l.add(new BlockView.Allocation(IpAddresses.parse((String) allocs[i]), (String) allocs[i + 1]));
        }
        return new BlockView(IpPrefix.parse(cidr), Optional.ofNullable(owner), l);
    }

    final Map<String, NodeRecord> nodes = Map.of(
            "n1", node("n1", "10.168.0.11/24"),
            "n2", node("n2", "10.168.0.12/24"),
            "far", node("far", "10.99.0.5/24"));

    @Test
    void remoteBlocksViaTheirNodeOwnBlocksBlackholedBorrowedAsHostRoutes() {
        var plan = HostGwRoutes.compute("n1", nodes, List.of(
                block("10.244.0.0/26", "n1", "10.244.0.5", "n1", "10.244.0.6", "n2"),
                block("10.244.0.64/26", "n2", "10.244.0.70", "n2"),
                block("10.244.0.128/26", null, "10.244.0.130", "n2")), "eth0", List.of(IpPrefix.parse("10.168.0.11/24")));
        assertThat(plan.routes()).extracting(Route::toString).containsExactlyInAnyOrder(
                "blackhole 10.244.0.0/26",
                "10.244.0.6 via 10.168.0.12 dev eth0",
                "10.244.0.64/26 via 10.168.0.12 dev eth0",
                "10.244.0.130 via 10.168.0.12 dev eth0");
        assertThat(plan.notOnLink()).isEmpty();
    }

    @Test
    void peerOutsideTheConnectedSubnetsIsReportedByNameAndNotRouted() {
        var plan = HostGwRoutes.compute("n1", nodes, List.of(block("10.244.1.0/26", "far")), "eth0",
                List.of(IpPrefix.parse("10.168.0.11/24")));
        assertThat(plan.routes()).isEmpty();
        assertThat(plan.notOnLink()).containsOnlyKeys("far");
        assertThat(plan.notOnLink().get("far")).contains("10.99.0.5 is not in a directly connected subnet of eth0 [10.168.0.0/24]");
    }

    static final java.util.List<dev.viaduct.agent.overlay.PoolSettings> CROSS_SUBNET = List.of(new dev.viaduct.agent.overlay.PoolSettings(
            IpPrefix.parse("10.244.0.0/16"), dev.viaduct.ipam.EncapMode.CROSS_SUBNET, dev.viaduct.ipam.EncapMode.NEVER, false));

    final Map<String, NodeRecord> racks = Map.of(
            "n1", withVtep(node("n1", "10.168.0.11/24"), "10.244.0.1", "66:00:00:00:00:01"),
            "n2", withVtep(node("n2", "10.168.0.12/24"), "10.244.0.65", "66:00:00:00:00:02"),
            "n3", withVtep(node("n3", "10.168.1.13/24"), "10.244.0.129", "66:00:00:00:00:03"),
            "n4", node("n4", "10.168.1.14/24"));

    static NodeRecord withVtep(NodeRecord n, String ip, String mac) {
        return n.withVtep(new NodeRecord.Vtep(ip, mac));
    }

    @Test
    void crossSubnetRoutesSameRackNativelyAndOtherRacksThroughVxlanWithTheirVteps() {
        var plan = HostGwRoutes.compute("n1", racks, List.of(
                block("10.244.0.0/26", "n1"),
                block("10.244.0.64/26", "n2"),
                block("10.244.0.128/26", "n3", "10.244.0.140", "n3", "10.244.0.150", "n2"),
                block("10.244.0.192/26", "n4"),
                block("10.244.1.0/26", null, "10.244.1.5", "n3")), "eth0", List.of(IpPrefix.parse("10.168.0.11/24")),
                CROSS_SUBNET, new dev.viaduct.agent.overlay.LocalTunnels(true, false, ""));
        assertThat(plan.routes()).extracting(Route::toString).containsExactlyInAnyOrder(
                "blackhole 10.244.0.0/26",
                "10.244.0.64/26 via 10.168.0.12 dev eth0",
                "10.244.0.128/26 via 10.244.0.129 dev vxlan.viaduct onlink",
                "10.244.0.150 via 10.168.0.12 dev eth0",
                "10.244.1.5 via 10.244.0.129 dev vxlan.viaduct onlink");
        // n4 has not published a VTEP (its agent has no VXLAN device yet) and is not on-link
        assertThat(plan.notOnLink()).containsOnlyKeys("n4");
        assertThat(plan.notOnLink().get("n4")).contains("published no VXLAN tunnel endpoint");
        assertThat(plan.vxlanPeers()).extracting(v -> v.node() + " " + v.vtep().getHostAddress() + " " + v.mac() + " "
                + v.underlay().getHostAddress()).containsExactly("n3 10.244.0.129 66:00:00:00:00:03 10.168.1.13");
        assertThat(plan.paths()).containsEntry("n2", "native via 10.168.0.12")
                .containsEntry("n3", "vxlan via 10.244.0.129 (node 10.168.1.13)");
    }

    @Test
    void alwaysAndIpipUseTheirTunnelsForEveryPeer() {
        var always = List.of(new dev.viaduct.agent.overlay.PoolSettings(IpPrefix.parse("10.244.0.0/16"),
                dev.viaduct.ipam.EncapMode.ALWAYS, dev.viaduct.ipam.EncapMode.NEVER, false));
        var plan = HostGwRoutes.compute("n1", racks, List.of(block("10.244.0.64/26", "n2"), block("10.244.0.128/26", "n3")),
                "eth0", List.of(IpPrefix.parse("10.168.0.11/24")), always, new dev.viaduct.agent.overlay.LocalTunnels(true, false, ""));
        assertThat(plan.routes()).extracting(Route::toString).containsExactlyInAnyOrder(
                "10.244.0.64/26 via 10.244.0.65 dev vxlan.viaduct onlink",
                "10.244.0.128/26 via 10.244.0.129 dev vxlan.viaduct onlink");
        assertThat(plan.vxlanPeers()).hasSize(2);

        var ipip = List.of(new dev.viaduct.agent.overlay.PoolSettings(IpPrefix.parse("10.244.0.0/16"),
                dev.viaduct.ipam.EncapMode.NEVER, dev.viaduct.ipam.EncapMode.CROSS_SUBNET, false));
        var plan2 = HostGwRoutes.compute("n1", racks, List.of(block("10.244.0.64/26", "n2"), block("10.244.0.128/26", "n3")),
                "eth0", List.of(IpPrefix.parse("10.168.0.11/24")), ipip, new dev.viaduct.agent.overlay.LocalTunnels(false, true, ""));
        assertThat(plan2.routes()).extracting(Route::toString).containsExactlyInAnyOrder(
                "10.244.0.64/26 via 10.168.0.12 dev eth0",
                "10.244.0.128/26 via 10.168.1.13 dev tunl0 onlink");
        assertThat(plan2.vxlanPeers()).isEmpty();
    }

    @Test
    void blocksOfVanishedNodesGetNoRoute() {
        var plan = HostGwRoutes.compute("n1", nodes, List.of(block("10.244.1.0/26", "gone")), "eth0",
                List.of(IpPrefix.parse("10.168.0.11/24")));
        assertThat(plan.routes()).isEmpty();
    }
}
