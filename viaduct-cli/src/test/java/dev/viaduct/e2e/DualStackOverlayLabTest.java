package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.ipam.Pool;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.Keys;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Dual-stack in host-gw mode on one lab: two racks (n1, n2 | n3, n4) joined by a router that knows no pod
 * routes, both pools with VXLAN CrossSubnet. IPv6 blocks go natively via the peer's IPv6 node address inside a
 * rack and through the same VXLAN device (IPv4 underlay) across racks; the pod's IPv6 gateway is link-local and
 * answered without neighbour discovery; natOutgoing on the IPv6 pool masquerades to the node's IPv6 address.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DualStackOverlayLabTest {
    static final JsonCodec<NodeRecord> NODES = JsonCodec.of(NodeRecord.class);
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(4).withPodsPerNode(1).withRacks(2).withSubnetBase(OverlayLabTest.ownSubnet(s))
                .withOverlay("CrossSubnet", "Never", false).withIpv6(true));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    /** The peer's VXLAN device's link-local address, from the MAC its node record publishes. */
    static String vtepLinkLocal(String node) {
        NodeRecord r = f.store.get(Keys.defaults().node(node)).map(NODES::decode).orElseThrow();
        return IpAddresses.format(IpAddresses.linkLocal(HardwareAddress.parse(r.vtep().mac()).bytes()));
    }

    @Test
    @Order(1)
    void podsReachEachOtherInBothFamiliesNativelyInARackAndThroughVxlanAcrossRacks() throws Exception {
        for (String n : f.lab.nodes()) {
            Poll.until(n + " publishes a VTEP", DualStack.CONVERGE,
                    () -> f.store.get(Keys.defaults().node(n)).map(NODES::decode), r -> r.isPresent() && r.get().vtep() != null);
        }
        DualStack.everyPodReachesEveryOtherInBothFamilies(f);
        DualStack.ipv6BlockRoutesConverge(f, (node, owner) -> DualStack.rackOf(f, node) == DualStack.rackOf(f, owner)
                ? "via " + f.lab.spec().nodeAddressV6(DualStack.index(owner)) + " dev eth0 proto viaduct metric 1024"
                : "via " + vtepLinkLocal(owner) + " dev vxlan.viaduct onlink proto viaduct metric 1024");
        assertThat(f.ip("n1", "-6", "neigh", "show", "dev", "vxlan.viaduct").orThrow().stdout())
                .contains(vtepLinkLocal("n3") + " lladdr").contains("PERMANENT");
        // on the wire across racks: IPv6 inside VXLAN, the outer header IPv4 between the node addresses
        LabState.Pod from = DualStack.pod(f, "n1");
        LabState.Pod to = DualStack.pod(f, "n3");
        try (PacketCapture c = PacketCapture.start(f.lab.nodeNamespace("n3"), "eth0", "udp port 4789")) {
            assertThat(f.lab.ping(from, DualStack.v6(to), 2)).isTrue();
            var outer = c.awaitPackets("VXLAN packets at n3", 2, l -> l.contains("VXLAN"));
            assertThat(outer).allMatch(l -> l.contains(" IP " + f.lab.nodeAddress("n1") + ".")
                    || l.contains(" IP " + f.lab.nodeAddress("n3") + "."));
            assertThat(c.lines()).anyMatch(l -> l.contains("IP6 " + DualStack.v6(from) + " > " + DualStack.v6(to) + ": ICMP6, echo request"));
        }
    }

    @Test
    @Order(2)
    void thePodsIpv6GatewayIsLinkLocalWithAPermanentNeighbourSoTheFirstPacketNeedsNoDiscovery() {
        LabState.Pod p = DualStack.pod(f, "n2");
        assertThat(Cmd.ok("ip", "-n", p.namespace(), "-6", "route", "show", "default"))
                .contains("default via fe80::ecee:eeff:feee:eeee dev eth0");
        assertThat(Cmd.ok("ip", "-n", p.namespace(), "-6", "neigh", "show", "dev", "eth0"))
                .contains("fe80::ecee:eeff:feee:eeee lladdr ee:ee:ee:ee:ee:ee PERMANENT");
    }

    static void setV6Nat(boolean nat) {
        Pool p = f.ipam.pool(IpPrefix.parseNetwork(LabSpec.POD_CIDR_V6)).orElseThrow();
        f.ipam.updatePool(p.withOverlay(p.vxlanMode(), EncapMode.NEVER, nat));
    }

    static boolean ip6NatTable(String node) {
        var r = Cmd.run("ip", "netns", "exec", f.lab.nodeNamespace(node), "nft", "list", "table", "ip6", "viaduct-nat");
        return r.ok() && r.stdout().contains("masquerade");
    }

    @Test
    @Order(3)
    void natOutgoingOnTheIpv6PoolMasqueradesToTheNodesIpv6Address() throws Exception {
        String etcd6 = f.lab.spec().etcdAddressV6();
        LabState.Pod p = DualStack.pod(f, "n3");
        // etcd (rack 1) has no route to pods, nor has the router between the racks
        assertThat(f.lab.ping(p, etcd6, 2)).isFalse();
        setV6Nat(true);
        try {
            Poll.until("ip6 nat table on n3", DualStack.CONVERGE, () -> ip6NatTable("n3"));
            try (PacketCapture c = PacketCapture.start(f.lab.spec().etcdNs(), "eth0", "icmp6")) {
                assertThat(f.lab.ping(p, etcd6, 2)).as("pod on rack 2 reaches an IPv6 address outside the pools").isTrue();
                var seen = c.awaitPackets("echo requests at etcd", 2, l -> l.contains("echo request"));
                assertThat(seen).allMatch(l -> l.contains(" IP6 " + f.lab.spec().nodeAddressV6(3) + " > " + etcd6));
            }
            // pod to pod keeps the pod's address
            try (PacketCapture c = PacketCapture.start(DualStack.pod(f, "n2").namespace(), "eth0", "icmp6")) {
                assertThat(f.lab.ping(p, DualStack.v6(DualStack.pod(f, "n2")), 2)).isTrue();
                var seen = c.awaitPackets("echo requests in n2's pod", 2, l -> l.contains("echo request"));
                assertThat(seen).allMatch(l -> l.contains(" IP6 " + DualStack.v6(p) + " > "));
            }
        } finally {
            setV6Nat(false);
        }
        Poll.until("ip6 nat table removed on n3", DualStack.CONVERGE, () -> !ip6NatTable("n3"));
        assertThat(f.lab.ping(p, etcd6, 2)).isFalse();
    }
}
