package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.ipam.Pool;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.lab.LabState;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.Keys;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 9's acceptance on one lab: two racks (n1, n2 | n3, n4) joined by a router that knows no pod routes.
 * Plain host-gw reports the off-rack peers and cannot reach their pods; VXLAN CrossSubnet reaches every pod,
 * encapsulating only across racks (proven on the wire); the pool's mode switched at run time converges with
 * nothing stale left; natOutgoing masquerades traffic leaving the pools; the decision follows the node's
 * addresses.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OverlayLabTest {
    static final Duration CONVERGE = Duration.ofSeconds(20);
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final JsonCodec<NodeRecord> NODES = JsonCodec.of(NodeRecord.class);
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(4).withPodsPerNode(1).withRacks(2).withSubnetBase(ownSubnet(s)));
    }

    /**
     * Rack 2 takes the /24 after rack 1's, and the root namespace gets a route to it: a subnet no other test's lab
     * (which uses 10.201.n) can be holding.
     */
    static String ownSubnet(LabSpec s) {
        int n = Integer.parseInt(s.subnetBase().substring(s.subnetBase().lastIndexOf('.') + 1));
        return "10." + (202 + n / 100) + "." + (2 * (n % 100));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    static String rackOf(String node) {
        return node.equals("n1") || node.equals("n2") ? "r1" : "r2";
    }

    static LabState.Pod pod(String node) {
        return f.lab.pods().stream().filter(p -> p.node().equals(node)).findFirst().orElseThrow();
    }

    static String podIp(String node) {
        return pod(node).ips().getFirst();
    }

    static JsonNode status(String node) throws Exception {
        return JSON.readTree(f.get(node, "/status"));
    }

    static Optional<NodeRecord> record(String node) {
        return f.store.get(Keys.defaults().node(node)).map(NODES::decode);
    }

    static void setPool(EncapMode vxlan, boolean nat) {
        Pool p = f.ipam.pool(IpPrefix.parseNetwork(f.lab.spec().podCidr())).orElseThrow();
        f.ipam.updatePool(p.withOverlay(vxlan, EncapMode.NEVER, nat));
    }

    /** What {@code node}'s Viaduct routes must be for the pool's mode, from IPAM's blocks and the node records. */
    static Set<String> expectedRoutes(String node, EncapMode mode) {
        Set<String> want = new TreeSet<>();
        for (Block b : f.blocks()) {
            String owner = b.affineNode().orElse(null);
            if (owner == null) {
                continue;
            }
            if (owner.equals(node)) {
                want.add("blackhole " + b.cidr() + " proto viaduct");
                continue;
            }
            boolean sameRack = rackOf(owner).equals(rackOf(node));
            boolean encap = mode == EncapMode.ALWAYS || (mode == EncapMode.CROSS_SUBNET && !sameRack);
            if (encap) {
                String vtep = record(owner).orElseThrow().vtep().address();
                want.add(b.cidr() + " via " + vtep + " dev vxlan.viaduct onlink proto viaduct");
            } else if (sameRack) {
                want.add(b.cidr() + " via " + f.lab.nodeAddress(owner) + " dev eth0 proto viaduct");
            }
        }
        LabState.Pod p = pod(node);
        want.add(p.ips().getFirst() + " dev " + HostVethNames.of("viaduct." + p.containerId() + ".eth0") + " proto viaduct scope link");
        return want;
    }

    /** The VXLAN neighbour and FDB entries {@code node} must have: one pair per peer reached through VXLAN. */
    static Set<String> expectedEntries(String node, EncapMode mode) {
        Set<String> want = new TreeSet<>();
        for (String peer : f.lab.nodes()) {
            boolean encap = mode == EncapMode.ALWAYS || (mode == EncapMode.CROSS_SUBNET && !rackOf(peer).equals(rackOf(node)));
            if (!peer.equals(node) && encap) {
                NodeRecord.Vtep v = record(peer).orElseThrow().vtep();
                want.add(v.address() + " lladdr " + v.mac() + " PERMANENT");
                want.add(v.mac() + " dst " + f.lab.nodeAddress(peer) + " self permanent");
            }
        }
        return want;
    }

    static Set<String> actualEntries(String node) {
        Set<String> have = new TreeSet<>();
        var neigh = f.ip(node, "neigh", "show", "dev", "vxlan.viaduct");
        if (!neigh.ok()) {
            return have; // no device, no entries
        }
        neigh.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(have::add);
        var fdb = dev.viaduct.testsupport.Cmd.run("ip", "netns", "exec", f.lab.nodeNamespace(node), "bridge", "fdb", "show", "dev",
                "vxlan.viaduct");
        fdb.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(have::add);
        return have;
    }

    /** Every node's routes and VXLAN entries equal what the mode says, and every VTEP is (or is not) published. */
    static void awaitConverged(EncapMode mode) {
        for (String node : f.lab.nodes()) {
            if (mode != EncapMode.NEVER) {
                Poll.until(node + " publishes a VTEP", CONVERGE, () -> record(node), r -> r.isPresent() && r.get().vtep() != null);
            }
        }
        for (String node : f.lab.nodes()) {
            Poll.until("routes of " + node + " for " + mode.text(), CONVERGE, () -> new TreeSet<>(f.lab.routes(node)),
                    have -> have.equals(expectedRoutes(node, mode)));
            Poll.until("VXLAN entries of " + node + " for " + mode.text(), CONVERGE, () -> actualEntries(node),
                    have -> have.equals(expectedEntries(node, mode)));
        }
    }

    @Test
    @Order(1)
    void hostGwReportsTheOffRackPeersAndCannotReachTheirPods() throws Exception {
        JsonNode s = status("n1");
        assertThat(s.path("peersNotOnLink").propertyNames()).containsExactlyInAnyOrder("n3", "n4");
        assertThat(s.path("peersNotOnLink").path("n3").asString())
                .contains(f.lab.nodeAddress("n3") + " is not in a directly connected subnet of eth0")
                .contains("CrossSubnet");
        assertThat(f.metric("n1", "viaduct_hostgw_peers_not_onlink")).isEqualTo(2);
        assertThat(f.lab.ping(pod("n1"), podIp("n2"), 1)).as("same rack").isTrue();
        assertThat(f.lab.ping(pod("n1"), podIp("n3"), 2)).as("across racks, no pod routes in the router").isFalse();
        assertThat(f.lab.ping(pod("n4"), podIp("n2"), 2)).as("across racks, the other way").isFalse();
        assertThat(f.ip("n1", "link", "show", "vxlan.viaduct").ok()).isFalse();
    }

    @Test
    @Order(2)
    void vxlanCrossSubnetReachesEveryPodEncapsulatingOnlyAcrossRacks() throws Exception {
        setPool(EncapMode.CROSS_SUBNET, false);
        awaitConverged(EncapMode.CROSS_SUBNET);
        Lab.Matrix m = f.lab.pingMatrix();
        assertThat(m.failures()).isEmpty();
        assertThat(f.lab.tcp(pod("n1"), pod("n4"))).as("TCP across racks").isTrue();
        assertThat(status("n1").path("peersNotOnLink").isEmpty()).isTrue();
        assertThat(status("n1").path("podMtu").asInt()).isEqualTo(1450);
        assertThat(f.ip("n1", "-d", "link", "show", "vxlan.viaduct").orThrow().stdout()).contains("mtu 1450")
                .contains("vxlan id 4096 local " + f.lab.nodeAddress("n1")).contains("dstport 4789").contains("nolearning");

        String n1 = f.lab.nodeNamespace("n1");
        // same rack: the pods' ICMP is on the uplink as it is, and no VXLAN at all
        try (PacketCapture c = PacketCapture.start(n1, "eth0", "udp port 4789 or icmp")) {
            assertThat(f.lab.ping(pod("n1"), podIp("n2"), 3)).isTrue();
            var plain = c.awaitPackets("3 echo requests and 3 replies n1/p1 <-> n2/p1 unencapsulated on n1's eth0", 6,
                    l -> l.contains(" IP " + podIp("n1") + " > " + podIp("n2") + ": ICMP echo request")
                            || l.contains(" IP " + podIp("n2") + " > " + podIp("n1") + ": ICMP echo reply"));
            assertThat(plain).hasSizeGreaterThanOrEqualTo(6);
            assertThat(c.packets(l -> l.contains(".4789: VXLAN") || l.contains("VXLAN"))).as("VXLAN for a same-rack flow").isEmpty();
        }
        // across racks: every packet of the flow is VXLAN between the node addresses, the pods' ICMP only inside
        try (PacketCapture c = PacketCapture.start(n1, "eth0", "udp port 4789 or icmp")) {
            assertThat(f.lab.ping(pod("n1"), podIp("n3"), 3)).isTrue();
            var out = c.awaitPackets("3 VXLAN packets n1 -> n3 on n1's eth0", 3,
                    l -> l.contains(" IP " + f.lab.nodeAddress("n1") + ".") && l.contains(" > " + f.lab.nodeAddress("n3")
                            + ".4789: VXLAN") && l.contains("vni 4096"));
            var back = c.awaitPackets("3 VXLAN packets n3 -> n1 on n1's eth0", 3,
                    l -> l.contains(" IP " + f.lab.nodeAddress("n3") + ".") && l.contains(" > " + f.lab.nodeAddress("n1") + ".4789: VXLAN"));
            assertThat(out).hasSizeGreaterThanOrEqualTo(3);
            assertThat(back).hasSizeGreaterThanOrEqualTo(3);
            // the inner frames are the pods' ICMP (printed after each VXLAN header), never bare on the wire
            assertThat(c.lines()).anyMatch(l -> l.contains(podIp("n1") + " > " + podIp("n3") + ": ICMP echo request"));
            assertThat(c.packets(l -> l.contains(" IP " + podIp("n1") + " > " + podIp("n3") + ": ICMP"))).isEmpty();
        }
    }

    @Test
    @Order(3)
    void switchingTheModeAtRunTimeConvergesWithNothingStaleLeft() throws Exception {
        Map<String, String> agentPids = new TreeMap<>();
        f.lab.nodes().forEach(n -> agentPids.put(n, Long.toString(f.lab.agent(n).orElseThrow().pid())));

        setPool(EncapMode.ALWAYS, false);
        awaitConverged(EncapMode.ALWAYS);
        assertThat(f.lab.pingMatrix().failures()).isEmpty();

        // back to CrossSubnet: the same-rack entries and routes Always added must go
        setPool(EncapMode.CROSS_SUBNET, false);
        awaitConverged(EncapMode.CROSS_SUBNET);
        assertThat(f.lab.pingMatrix().failures()).isEmpty();

        setPool(EncapMode.NEVER, false);
        awaitConverged(EncapMode.NEVER);
        for (String node : f.lab.nodes()) {
            Poll.until("no VXLAN device on " + node, CONVERGE, () -> f.ip(node, "-d", "link", "show", "type", "vxlan").stdout(),
                    String::isBlank);
            Poll.until(node + "'s VTEP withdrawn", CONVERGE, () -> record(node).orElseThrow().vtep() == null);
            assertThat(f.ip(node, "route", "show", "proto", "86").orThrow().stdout()).doesNotContain("vxlan");
            assertThat(f.ip(node, "neigh", "show", "nud", "permanent").orThrow().stdout()).doesNotContain("vxlan");
        }
        Poll.until("tunnel addresses released in IPAM", CONVERGE, () -> f.ipam.handles().stream()
                .filter(h -> h.id().startsWith("vxlan-tunnel-addr-")).toList(), List::isEmpty);
        assertThat(f.lab.ping(pod("n1"), podIp("n3"), 2)).as("across racks without encapsulation").isFalse();

        setPool(EncapMode.CROSS_SUBNET, false);
        awaitConverged(EncapMode.CROSS_SUBNET);
        assertThat(f.lab.pingMatrix().failures()).isEmpty();
        // no agent was restarted for any of it
        f.lab.nodes().forEach(n -> assertThat(Long.toString(f.lab.agent(n).orElseThrow().pid())).isEqualTo(agentPids.get(n)));
        assertThat(f.lab.agent("n1").map(dev.viaduct.lab.LabState.Proc::pid)).isPresent();
    }

    @Test
    @Order(4)
    void natOutgoingMasqueradesTrafficLeavingThePoolsOnly() throws Exception {
        String etcd = f.lab.spec().etcdAddress();
        String etcdNs = f.lab.spec().etcdNs();
        // without NAT the etcd host cannot answer a pod (it has no route to pods; its router neither)
        assertThat(f.lab.ping(pod("n3"), etcd, 2)).isFalse();

        setPool(EncapMode.CROSS_SUBNET, true);
        for (String node : f.lab.nodes()) {
            Poll.until("nat table on " + node, CONVERGE, () -> f.ip(node, "link").ok() && dev.viaduct.testsupport.Cmd.run("ip",
                    "netns", "exec", f.lab.nodeNamespace(node), "nft", "list", "table", "ip", "viaduct-nat").stdout()
                    .contains("masquerade"));
        }
        try (PacketCapture c = PacketCapture.start(etcdNs, "eth0", "icmp")) {
            assertThat(f.lab.ping(pod("n3"), etcd, 2)).as("pod on rack 2 reaches an address outside the pools").isTrue();
            var seen = c.awaitPackets("echo requests at the destination", 2, l -> l.contains("ICMP echo request"));
            assertThat(seen).allMatch(l -> l.contains(" IP " + f.lab.nodeAddress("n3") + " > " + etcd + ": ICMP echo request"));
        }
        // pod to pod keeps the pod's address, across racks too
        try (PacketCapture c = PacketCapture.start(pod("n2").namespace(), "eth0", "icmp")) {
            assertThat(f.lab.ping(pod("n4"), podIp("n2"), 2)).isTrue();
            var seen = c.awaitPackets("echo requests in n2/p1", 2, l -> l.contains("ICMP echo request"));
            assertThat(seen).allMatch(l -> l.contains(" IP " + podIp("n4") + " > " + podIp("n2") + ": ICMP echo request"));
        }

        setPool(EncapMode.CROSS_SUBNET, false);
        for (String node : f.lab.nodes()) {
            Poll.until("nat table removed on " + node, CONVERGE, () -> !dev.viaduct.testsupport.Cmd.run("ip", "netns", "exec",
                    f.lab.nodeNamespace(node), "nft", "list", "table", "ip", "viaduct-nat").ok());
        }
        assertThat(f.lab.ping(pod("n3"), etcd, 2)).isFalse();
    }

    @Test
    @Order(5)
    void theDecisionFollowsTheNodesAddresses() throws Exception {
        // n1's uplink gains an address in rack 2's subnet: rack 2 is now "directly connected" for n1
        String rack2 = f.lab.nodeAddress("n3").substring(0, f.lab.nodeAddress("n3").lastIndexOf('.'));
        String extra = rack2 + ".211/24";
        f.ip("n1", "addr", "add", extra, "dev", "eth0").orThrow();
        try {
            Poll.until("n1's record lists the new address", CONVERGE, () -> record("n1").orElseThrow().addresses(),
                    a -> a.contains(extra));
            Poll.until("n1 routes rack 2 natively now", CONVERGE, () -> f.lab.routes("n1"),
                    rs -> rs.stream().anyMatch(r -> r.contains(" via " + f.lab.nodeAddress("n3") + " dev eth0"))
                            && rs.stream().noneMatch(r -> r.contains("vxlan.viaduct")));
        } finally {
            f.ip("n1", "addr", "del", extra, "dev", "eth0").orThrow();
        }
        Poll.until("n1's record drops it", CONVERGE, () -> record("n1").orElseThrow().addresses(), a -> !a.contains(extra));
        awaitConverged(EncapMode.CROSS_SUBNET);
        // the lab's default route (deleted with the connected route of the extra subnet? no: it is via rack 1's router)
        assertThat(f.lab.pingMatrix().failures()).isEmpty();
        List<String> problems = new ArrayList<>();
        for (String node : f.lab.nodes()) {
            JsonNode s = status(node);
            if (!s.path("overlay").path("problems").isEmpty()) {
                problems.add(node + ": " + s.path("overlay").path("problems"));
            }
        }
        assertThat(problems).isEmpty();
    }

    /** fping's summary "addr : xmt/rcv/%loss = 400/400/0%" → {sent, received}. */
    static int[] fpingSummary(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        var m = java.util.regex.Pattern.compile("xmt/rcv/%loss = (\\d+)/(\\d+)/").matcher(out);
        assertThat(m.find()).as("fping summary in: %s", out).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    @Test
    @Order(6)
    @SuppressWarnings("try") // the event subscription only has to be open
    void killMinus9AndRestartKeepsTheVtepTheTunnelAndEveryPacket() throws Exception {
        awaitConverged(EncapMode.CROSS_SUBNET);
        NodeRecord.Vtep vtepBefore = record("n1").orElseThrow().vtep();
        List<String> n1Before = f.lab.routes("n1");
        List<String> n3Before = f.lab.routes("n3");
        Set<String> entriesBefore = actualEntries("n1");
        List<dev.viaduct.netlink.NetlinkEvent> churn = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var ns = dev.viaduct.netlink.NetNamespace.openNamed(f.lab.nodeNamespace("n1"));
                var ev = dev.viaduct.netlink.NetlinkEvents.subscribe(ns, java.util.EnumSet.of(
                        dev.viaduct.netlink.NetlinkEvents.Group.IPV4_ROUTE, dev.viaduct.netlink.NetlinkEvents.Group.LINK,
                        dev.viaduct.netlink.NetlinkEvents.Group.NEIGHBOUR), e -> {
                            switch (e) {
                                case dev.viaduct.netlink.NetlinkEvent.RouteAdded r
                                        when r.route().protocol().equals(dev.viaduct.netlink.RouteProtocol.VIADUCT) -> churn.add(e);
                                case dev.viaduct.netlink.NetlinkEvent.RouteRemoved r
                                        when r.route().protocol().equals(dev.viaduct.netlink.RouteProtocol.VIADUCT) -> churn.add(e);
                                case dev.viaduct.netlink.NetlinkEvent.LinkRemoved l -> churn.add(e);
                                case dev.viaduct.netlink.NetlinkEvent.NeighbourRemoved n when n.neighbour().isPermanent() -> churn.add(e);
                                default -> {
                                }
                            }
                        })) {
            // across racks, both directions, 20 ms apart for 8 s, across the restart
            Process out = new ProcessBuilder("ip", "netns", "exec", pod("n1").namespace(), "fping", "-c", "400", "-p", "20", "-t",
                    "500", "-q", podIp("n3")).redirectErrorStream(true).start();
            Process back = new ProcessBuilder("ip", "netns", "exec", pod("n3").namespace(), "fping", "-c", "400", "-p", "20", "-t",
                    "500", "-q", podIp("n1")).redirectErrorStream(true).start();
            f.lab.stopAgent("n1", true);
            f.lab.startAgent("n1");
            f.lab.awaitAgent("n1", Duration.ofSeconds(60));
            assertThat(out.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(back.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            int[] a = fpingSummary(out);
            int[] b = fpingSummary(back);
            assertThat(a[1]).as("echoes answered n1 pod -> n3 pod through VXLAN").isEqualTo(400);
            assertThat(b[1]).as("echoes answered n3 pod -> n1 pod through VXLAN").isEqualTo(400);
        }
        assertThat(churn).as("route, link and permanent-neighbour removals in n1 during the restart").isEmpty();
        assertThat(record("n1").orElseThrow().vtep()).isEqualTo(vtepBefore);
        assertThat(f.lab.routes("n1")).isEqualTo(n1Before);
        assertThat(f.lab.routes("n3")).isEqualTo(n3Before);
        assertThat(actualEntries("n1")).isEqualTo(entriesBefore);
        assertThat(f.metric("n1", "viaduct_overlay_device_changes_total")).isZero();
    }
}
