package dev.viaduct.agent.bgp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BgpTopologyTest {
    static NodeRecord node(String name, String ip, String... labels) {
        Map<String, String> l = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        return new NodeRecord(name, java.util.List.of(ip + "/24"), "eth0", l, "bgp", 0, null, "t");
    }

    final Map<String, NodeRecord> nodes = Map.of(
            "n1", node("n1", "10.168.0.11", "rack", "r1"),
            "n2", node("n2", "10.168.0.12", "rack", "r1", "routeReflector", "true"),
            "n3", node("n3", "10.168.1.13", "rack", "r2"),
            "n4", node("n4", "10.168.1.14", "rack", "r2", "routeReflector", "true"));

    @Test
    void fullMeshPeersWithEveryOtherNodeOverIbgp() {
        var plan = BgpTopology.compute("n1", nodes, BgpSettings.DEFAULTS, Map.of(), Map.of());
        assertThat(plan.peers()).extracting(p -> p.name() + "@" + p.address().getHostAddress() + " as " + p.asn())
                .containsExactlyInAnyOrder("node:n2@10.168.0.12 as 64512", "node:n3@10.168.1.13 as 64512",
                        "node:n4@10.168.1.14 as 64512");
        assertThat(plan.localAsn()).isEqualTo(64512);
        assertThat(plan.peers()).allMatch(p -> !p.rrClient() && p.bfd());
    }

    @Test
    void routeReflectorsWithPeerSelectorAreSymmetricAndReflectorsSeeClients() {
        var settings = new BgpSettings(false, 64512L, null, null, null, null);
        var peers = Map.of("to-rr", new BgpPeerRecord(null, null, "all()", null, "has(routeReflector)", null, null));
        var rr = Map.of("n2", new BgpNodeSettings(null, "1.1.1.1"), "n4", new BgpNodeSettings(null, "1.1.1.1"));
        var client = BgpTopology.compute("n1", nodes, settings, peers, rr);
        assertThat(client.peers()).extracting(BgpTopology.Peer::name).containsExactlyInAnyOrder("node:n2", "node:n4");
        assertThat(client.peers()).noneMatch(BgpTopology.Peer::rrClient);
        var reflector = BgpTopology.compute("n2", nodes, settings, peers, rr);
        assertThat(reflector.clusterId()).isPresent();
        assertThat(reflector.peers()).extracting(p -> p.name() + (p.rrClient() ? " client" : ""))
                .containsExactlyInAnyOrder("node:n1 client", "node:n3 client", "node:n4");
    }

    @Test
    void perRackTorByLabelWithPerNodeAsn() {
        var settings = new BgpSettings(false, null, null, null, null, null);
        var peers = Map.of(
                "tor-r1", new BgpPeerRecord("10.168.0.1", 65101L, "rack == 'r1'", null, null, "s3cret", true),
                "tor-r2", new BgpPeerRecord("10.168.1.1", 65102L, "rack == 'r2'", null, null, null, null));
        var asns = Map.of("n3", new BgpNodeSettings(65002L, null));
        var p1 = BgpTopology.compute("n1", nodes, settings, peers, asns);
        assertThat(p1.peers()).singleElement().satisfies(p -> {
            assertThat(p.address().getHostAddress()).isEqualTo("10.168.0.1");
            assertThat(p.asn()).isEqualTo(65101);
            assertThat(p.password()).isEqualTo("s3cret");
            assertThat(p.bfd()).isTrue();
        });
        var p3 = BgpTopology.compute("n3", nodes, settings, peers, asns);
        assertThat(p3.localAsn()).isEqualTo(65002);
        assertThat(p3.peers()).extracting(p -> p.address().getHostAddress()).containsExactly("10.168.1.1");
    }

    @Test
    void badRecordsAreReportedNotFatal() {
        var peers = Map.of(
                "bad-sel", new BgpPeerRecord("10.0.0.1", 65000L, "rack ==", null, null, null, null),
                "no-asn", new BgpPeerRecord("10.0.0.2", null, null, null, null, null, null),
                "neither", new BgpPeerRecord(null, null, null, null, null, null, null));
        var plan = BgpTopology.compute("n1", nodes, new BgpSettings(false, null, null, null, null, null), peers, Map.of());
        assertThat(plan.peers()).isEmpty();
        assertThat(plan.problems()).containsOnlyKeys("peer bad-sel", "peer no-asn", "peer neither");
    }

    @Test
    void exactlyOneEndOfEveryNodeSessionConnects() {
        var settings = new BgpSettings(true, null, null, null, null, null);
        var peers = Map.of("tor", new BgpPeerRecord("10.168.0.1", 65101L, "all()", null, null, null, null),
                "to-rr", new BgpPeerRecord(null, null, "all()", null, "has(routeReflector)", null, null));
        Map<String, Map<String, Boolean>> passive = new TreeMap<>();
        for (String self : nodes.keySet()) {
            var plan = BgpTopology.compute(self, nodes, settings, peers, Map.of());
            Map<String, Boolean> mine = new TreeMap<>();
            for (var p : plan.peers()) {
                if (p.node()) {
                    mine.put(p.name().substring("node:".length()), p.passive());
                } else {
                    assertThat(p.passive()).as("a router that is not a node is connected to, never waited for").isFalse();
                }
            }
            passive.put(self, mine);
        }
        for (var a : passive.entrySet()) {
            assertThat(a.getValue()).hasSize(nodes.size() - 1);
            for (var b : a.getValue().entrySet()) {
                assertThat(passive.get(b.getKey()).get(a.getKey())).as("%s waits for %s, and the reverse", a.getKey(), b.getKey())
                        .isNotEqualTo(b.getValue());
            }
        }
        // the lower address waits: n1 (10.168.0.11) for everyone, n4 (10.168.1.14) for no one
        assertThat(passive.get("n1").values()).containsOnly(true);
        assertThat(passive.get("n4").values()).containsOnly(false);
    }

    @Test
    void addressesCompareAsNumbersNotAsText() throws Exception {
        var nine = java.net.InetAddress.getByName("10.0.0.9");
        var ten = java.net.InetAddress.getByName("10.0.0.10");
        var high = java.net.InetAddress.getByName("200.0.0.1");
        assertThat(BgpTopology.waitsFor(nine, ten)).isTrue();
        assertThat(BgpTopology.waitsFor(ten, nine)).isFalse();
        assertThat(BgpTopology.waitsFor(ten, high)).as("bytes compared unsigned").isTrue();
        assertThat(BgpTopology.waitsFor(ten, ten)).isFalse();
        assertThat(BgpTopology.waitsFor(ten, java.net.InetAddress.getByName("fd00::1"))).isFalse();
    }
}
