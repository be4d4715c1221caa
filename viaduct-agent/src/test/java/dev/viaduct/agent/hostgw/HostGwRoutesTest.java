package dev.viaduct.agent.hostgw;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.net.Cidr;
import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.route.Route;
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
            l.add(new BlockView.Allocation(Cidr.parseAddress((String) allocs[i]), (String) allocs[i + 1]));
        }
        return new BlockView(Cidr.parse(cidr), Optional.ofNullable(owner), l);
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
                block("10.244.0.128/26", null, "10.244.0.130", "n2")), "eth0", List.of(Cidr.parse("10.168.0.11/24")));
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
                List.of(Cidr.parse("10.168.0.11/24")));
        assertThat(plan.routes()).isEmpty();
        assertThat(plan.notOnLink()).containsOnlyKeys("far");
        assertThat(plan.notOnLink().get("far")).contains("10.99.0.5 is not in a directly connected subnet of eth0 [10.168.0.0/24]");
    }

    @Test
    void blocksOfVanishedNodesGetNoRoute() {
        var plan = HostGwRoutes.compute("n1", nodes, List.of(block("10.244.1.0/26", "gone")), "eth0",
                List.of(Cidr.parse("10.168.0.11/24")));
        assertThat(plan.routes()).isEmpty();
    }
}
