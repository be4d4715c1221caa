package dev.viaduct.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.bfd.BfdPeers.Peer;
import dev.viaduct.agent.bgp.BgpTopology;
import dev.viaduct.agent.node.NodeRecord;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the agent feeds BFD from each route source: every other node (host-gw), the BGP peers with BFD on. */
class AgentBfdPeersTest {
    static NodeRecord node(String name, String... addresses) {
        return new NodeRecord(name, List.of(addresses), "eth0", Map.of(), "host-gw", 0, null, "test");
    }

    @Test
    void hostGwPeersAreTheOtherNodesAtTheirIpv4AddressElseIpv6() {
        Map<String, NodeRecord> nodes = Map.of(
                "n1", node("n1", "10.9.0.1/24"),
                "n2", node("n2", "fd00:9::2/64", "10.9.0.2/24"),
                "n3", node("n3", "fd00:9::3/64"),
                "n4", node("n4"),
                "n5", node("n5", "not-an-address"));
        assertThat(Agent.bfdPeers("n1", nodes)).containsExactly(
                new Peer("n2", InetAddress.ofLiteral("10.9.0.2")),
                new Peer("n3", InetAddress.ofLiteral("fd00:9::3")));
    }

    @Test
    void bgpPeersAreThoseWithBfdOn() {
        var withBfd = new BgpTopology.Peer("tor", InetAddress.ofLiteral("10.9.0.254"), 65000, false, null, true, false, false);
        var without = new BgpTopology.Peer("n2", InetAddress.ofLiteral("10.9.0.2"), 64512, false, null, false, true, false);
        var plan = new BgpTopology.Plan(64512, Optional.empty(), List.of(without, withBfd), new TreeMap<>());
        assertThat(Agent.bfdPeers(plan)).containsExactly(new Peer("tor", InetAddress.ofLiteral("10.9.0.254")));
    }
}
