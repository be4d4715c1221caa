package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.cli.Main;
import dev.viaduct.ipam.Block;
import dev.viaduct.lab.LabState;
import dev.viaduct.testsupport.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 * Issue 10's acceptance for {@code viaduct ctl}: every command against a 3-node host-gw lab (one lab for the
 * class), table and JSON, and {@code explain} naming the piece that was broken by hand. Expected values come from
 * the lab itself (its pods, IPAM's blocks, {@code ip route} in the nodes), never from ctl.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CtlLabTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(3).withPodsPerNode(2));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    record Run(int exit, String out, String err) {
        JsonNode json() {
            return JSON.readTree(out);
        }
    }

    /** {@code viaduct ctl ARGS --etcd <the lab's etcd>}, in this JVM. */
    static Run ctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ctl"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--etcd", f.lab.spec().etcdEndpoint()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(argv.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    static LabState.Pod pod(String node, int i) {
        return f.lab.pods().stream().filter(p -> p.node().equals(node)).toList().get(i);
    }

    static Block blockOf(String node) {
        return f.blocks().stream().filter(b -> node.equals(b.affinity())).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void nodesListsEveryNodeReadyWithItsAddressPodsAndBlock() {
        Run t = ctl("nodes");
        assertThat(t.exit()).as(t.err()).isZero();
        List<String> lines = t.out().lines().toList();
        assertThat(lines.getFirst()).matches("NAME +ADDRESSES +MODE +READY +PODS +BLOCKS");
        for (String node : f.lab.nodes()) {
            assertThat(lines).anySatisfy(l -> assertThat(l).matches(node + " +" + f.lab.nodeAddress(node).replace(".", "\\.")
                    + "/24 +host-gw +yes +2 +" + blockOf(node).cidr().toString().replace(".", "\\.")));
        }
        Run j = ctl("nodes", "-o", "json");
        assertThat(j.exit()).isZero();
        JsonNode nodes = j.json().get("nodes");
        assertThat(nodes.size()).isEqualTo(3);
        for (JsonNode n : nodes) {
            assertThat(n.get("ready").asBoolean()).isTrue();
            assertThat(n.get("agentUrl").asString()).isEqualTo(f.lab.agentUrl(n.get("name").asString()).toString());
            assertThat(n.get("blocks").get(0).asString()).isEqualTo(blockOf(n.get("name").asString()).cidr().toString());
        }
    }

    @Test
    @Order(2)
    void routesOfEveryNodeMatchTheKernelAsIpRouteSeesIt() {
        Run t = ctl("routes", "--all");
        assertThat(t.exit()).as(t.out() + t.err()).isZero();
        assertThat(t.out()).contains("node n1 (" + f.lab.agentUrl("n1") + "): 5 routes, kernel matches the agent")
                .contains("node n3 (" + f.lab.agentUrl("n3") + "): 5 routes, kernel matches the agent");
        Run j = ctl("routes", "--node", "n2", "-o", "json");
        assertThat(j.exit()).isZero();
        Set<String> fromCtl = new TreeSet<>();
        for (JsonNode r : j.json().get("nodes").get(0).get("routes")) {
            assertThat(r.get("state").asString()).isEqualTo("ok");
            fromCtl.add(r.get("kernel").asString());
        }
        // the independent view: the lab's own netlink dump of n2's Viaduct routes
        assertThat(fromCtl).isEqualTo(new TreeSet<>(f.lab.routes("n2")));
    }

    @Test
    @Order(3)
    void peersSaysAHostGwClusterHasNoBgpSessions() {
        Run t = ctl("peers", "--all");
        assertThat(t.exit()).isZero();
        assertThat(t.out().lines()).containsExactly(
                "node n1: no BGP peers (mode host-gw: routes come from the datastore, not BGP)",
                "node n2: no BGP peers (mode host-gw: routes come from the datastore, not BGP)",
                "node n3: no BGP peers (mode host-gw: routes come from the datastore, not BGP)");
        Run j = ctl("peers", "--node", "n2", "-o", "json");
        assertThat(j.json().get("nodes").get(0).get("mode").asString()).isEqualTo("host-gw");
        assertThat(j.json().get("nodes").get(0).get("peers").size()).isZero();
    }

    @Test
    @Order(4)
    void ipamShowAndCheckDescribeWhatTheLabAllocated() {
        LabState.Pod p = pod("n2", 1);
        String ip = p.ips().getFirst();
        Run one = ctl("ipam", "show", "--ip", ip, "-o", "json");
        assertThat(one.exit()).isZero();
        assertThat(one.json().get("state").asString()).isEqualTo("allocated");
        assertThat(one.json().get("node").asString()).isEqualTo("n2");
        assertThat(one.json().get("pod").asString()).isEqualTo("lab/" + p.name());
        assertThat(one.json().get("block").asString()).isEqualTo(blockOf("n2").cidr().toString());
        assertThat(ctl("ipam", "show", "--ip", ip).out()).contains("pod       lab/" + p.name());

        Run node = ctl("ipam", "show", "--node", "n3", "-o", "json");
        Set<String> addrs = new TreeSet<>();
        node.json().get("addresses").forEach(a -> addrs.add(a.get("address").asString()));
        Set<String> expected = new TreeSet<>();
        f.lab.pods().stream().filter(x -> x.node().equals("n3")).forEach(x -> expected.add(x.ips().getFirst()));
        assertThat(addrs).isEqualTo(expected);

        Run pools = ctl("ipam", "show", "--pool", f.lab.spec().podCidr());
        assertThat(pools.exit()).isZero();
        assertThat(pools.out()).contains(f.lab.spec().podCidr() + "  /26").contains(blockOf("n1").cidr() + "  n1    2/64");

        Run check = ctl("ipam", "check");
        assertThat(check.exit()).as(check.out()).isZero();
        assertThat(check.out()).contains("checked 3 blocks, 6 handles, 6 allocations").contains("IPAM is consistent");
        JsonNode checked = ctl("ipam", "check", "-o", "json").json();
        assertThat(checked.get("consistent").asBoolean()).isTrue();
        assertThat(checked.get("reclaim").isEmpty()).as("no node is gone").isTrue();
        // exactly one agent holds the reclaimer lock (and runs the passes)
        String holder = Poll.until("an agent holds the reclaimer lock", java.time.Duration.ofSeconds(30),
                () -> f.store.get(dev.viaduct.store.Keys.defaults().reclaimerLock()), java.util.Optional::isPresent).orElseThrow().valueUtf8();
        assertThat(holder).isIn("n1", "n2", "n3");
    }

    @Test
    @Order(5)
    void explainWalksAHealthyPathBothWays() {
        LabState.Pod a = pod("n1", 0);
        LabState.Pod b = pod("n3", 1);
        Run t = ctl("explain", a.ips().getFirst(), b.ips().getFirst());
        assertThat(t.exit()).as(t.out()).isZero();
        assertThat(t.out()).contains("pod lab/" + a.name() + " on node n1").contains("pod lab/" + b.name() + " on node n3")
                .contains("direct to node n3 (" + f.lab.nodeAddress("n3") + ")")
                .contains("OK: " + a.ips().getFirst() + " and " + b.ips().getFirst() + " can reach each other");
        JsonNode j = ctl("explain", a.ips().getFirst(), b.ips().getFirst(), "-o", "json").json();
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(j.get("forward").get(0).get("route").asString())
                .isEqualTo(blockOf("n3").cidr() + " via " + f.lab.nodeAddress("n3") + " dev eth0 proto viaduct");
        assertThat(j.get("forward").get(0).get("encapsulation").asString()).isEqualTo("none");
        assertThat(j.get("return").get(1).get("check").asString()).isEqualTo("deliver");
    }

    @Test
    @Order(6)
    void ipamReleaseFreesALeakedAddressButRefusesALivePodsAddress() {
        // a leak: an address allocated on n2 whose handle record is gone and which no pod uses
        String leaked = f.ipam.assign("leak.ctl.eth0", "n2", true, false, java.util.Map.of()).ipv4().orElseThrow().getHostAddress();
        f.store.delete(dev.viaduct.store.Keys.defaults().handle("leak.ctl.eth0"));
        Run check = ctl("ipam", "check");
        assertThat(check.exit()).as(check.out()).isEqualTo(1);
        assertThat(check.out()).containsPattern("(?m)^address without handle +" + leaked.replace(".", "\\.") + " ")
                .contains("viaduct ctl ipam release --ip " + leaked).contains("IPAM has problems");

        Run dry = ctl("ipam", "release", "--ip", leaked, "--dry-run");
        assertThat(dry.exit()).isZero();
        assertThat(dry.out()).isEqualTo(leaked + ": dry run: would release (node n2's agent serves no pod with this address"
                + " (leaked)) [handle leak.ctl.eth0, node n2]\n");
        assertThat(ctl("ipam", "check").exit()).as("a dry run changes nothing").isEqualTo(1);

        String live = pod("n1", 0).ips().getFirst();
        Run refused = ctl("ipam", "release", "--ip", live, "-o", "json");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.json().get("released").asBoolean()).isFalse();
        assertThat(refused.json().get("outcome").asString()).startsWith("refused: node n1's agent still serves a pod with this address");
        assertThat(ctl("ipam", "show", "--ip", live, "-o", "json").json().get("state").asString()).isEqualTo("allocated");

        Run released = ctl("ipam", "release", "--ip", leaked, "-o", "json");
        assertThat(released.exit()).isZero();
        assertThat(released.json().get("released").asBoolean()).isTrue();
        assertThat(ctl("ipam", "show", "--ip", leaked, "-o", "json").json().get("state").asString()).isEqualTo("free");
        assertThat(ctl("ipam", "check").exit()).isZero();
    }

    @Test
    @Order(7)
    void aRouteDeletedByHandIsRepairedByTheAgentSoThePathStaysWhole() {
        String block = blockOf("n3").cidr().toString();
        String route = block + " via " + f.lab.nodeAddress("n3") + " dev eth0 proto viaduct";
        f.ip("n1", "route", "del", block, "proto", "86").orThrow();
        // the agent sees the deletion event and puts the route back at once: explain then finds nothing missing
        Poll.until("n1's route to " + block + " to be back", Duration.ofSeconds(10), () -> f.lab.routes("n1").contains(route));
        Run t = ctl("explain", pod("n1", 0).ips().getFirst(), pod("n3", 0).ips().getFirst());
        assertThat(t.exit()).as(t.out()).isZero();
    }

    @Test
    @Order(8)
    void explainNamesTheRouteAForeignStaticRouteReplacedAndRoutesMarksIt() {
        String block = blockOf("n3").cidr().toString();
        String n3 = f.lab.nodeAddress("n3");
        String bogus = f.lab.spec().subnetBase() + ".99";
        // an operator's static route takes the destination: Viaduct never replaces routes it does not own
        f.ip("n1", "route", "replace", block, "via", bogus, "dev", "eth0", "proto", "static").orThrow();
        try {
            LabState.Pod a = pod("n1", 0);
            LabState.Pod b = pod("n3", 0);
            Run t = ctl("explain", a.ips().getFirst(), b.ips().getFirst());
            assertThat(t.exit()).as(t.out()).isEqualTo(1);
            assertThat(t.out()).contains("BROKEN: node n1's route to " + block + " is not Viaduct's: the kernel has " + block
                    + " via " + bogus + " dev eth0 proto static (expected via " + n3 + " dev eth0)");
            Run j = ctl("explain", a.ips().getFirst(), b.ips().getFirst(), "-o", "json");
            assertThat(j.exit()).isEqualTo(1);
            assertThat(j.json().get("problem").asString()).startsWith("node n1's route to " + block + " is not Viaduct's");
            assertThat(j.json().get("return").get(0).get("verdict").asString()).isEqualTo("ok");

            Run r = ctl("routes", "--node", "n1");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).contains("5 routes, 1 difference").containsPattern("(?m)^!  foreign +" + block.replace(".", "\\.")
                    + " +" + block.replace(".", "\\.") + " via " + n3.replace(".", "\\.") + " dev eth0 +" + block.replace(".", "\\.")
                    + " via " + bogus.replace(".", "\\.") + " dev eth0 proto static$");
        } finally {
            f.ip("n1", "route", "del", block, "proto", "static").orThrow();
        }
        // once the foreign route is gone the agent programs its own again (at the latest on its next resync)
        Poll.until("ctl explain to find the path whole again", Duration.ofSeconds(30),
                () -> ctl("explain", pod("n1", 0).ips().getFirst(), pod("n3", 0).ips().getFirst()).exit() == 0);
    }

    @Test
    @Order(9)
    void explainNamesAPodInterfaceRemovedByHand() throws Exception {
        LabState.Pod victim = f.lab.addPod("n3", "victim", null);
        try {
            String ip = victim.ips().getFirst();
            String veth = dev.viaduct.agent.pod.HostVethNames.of("viaduct." + victim.containerId() + ".eth0");
            Poll.until("the new pod to be routable", Duration.ofSeconds(10),
                    () -> ctl("explain", pod("n1", 0).ips().getFirst(), ip).exit() == 0);
            f.ip("n3", "link", "del", veth).orThrow(); // takes the pod's /32 route with it
            Run t = ctl("explain", pod("n1", 0).ips().getFirst(), ip);
            assertThat(t.exit()).as(t.out()).isEqualTo(1);
            assertThat(t.out()).contains("BROKEN: node n3 has no route to pod " + ip + " (expected " + ip + " dev " + veth
                    + " scope link): its interface " + veth + " does not exist");
            Run r = ctl("routes", "--node", "n3");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).contains("!  missing  " + ip + "/32");
        } finally {
            f.lab.deletePod(victim);
        }
    }
}
