package dev.viaduct.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.Pool;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.Keys;
import dev.viaduct.store.memory.MemoryDatastore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ctl operations over the in-memory datastore (same semantics as etcd) and hand-made agents. */
class CtlTest {
    final MemoryDatastore store = new MemoryDatastore();
    final Keys keys = Keys.defaults();
    final Ipam ipam = new Ipam(store, keys);
    final Map<String, Fixtures.Node> agents = new HashMap<>();
    final Map<String, InetAddress> pods = new HashMap<>();
    Ctl ctl;

    @BeforeEach
    void cluster() {
        ipam.createPool(Pool.of("10.244.0.0/16"));
        for (int n = 1; n <= 2; n++) {
            String name = "n" + n;
            store.put(keys.node(name), JsonCodec.of(NodeRecord.class).encode(new NodeRecord(name, List.of("10.168.0." + (10 + n) + "/24"),
                    "eth0", Map.of(), "host-gw", 0, null, "test", "http://10.168.0." + (10 + n) + ":9099")));
            Fixtures.Node agent = new Fixtures.Node(n);
            agents.put("http://10.168.0." + (10 + n) + ":9099", agent);
            String handle = "viaduct.c" + n + ".eth0";
            InetAddress ip = ipam.assign(handle, name, true, false, Map.of("pod", "p" + n, "podNamespace", "lab",
                    "containerID", "c" + n)).ipv4().orElseThrow();
            pods.put(name, ip);
            agent.pod(ip.getHostAddress(), "vdc" + n);
        }
        ctl = new Ctl(() -> new StoreClusterReader(store, keys, "memory"), uri -> {
            Fixtures.Node a = agents.get(uri.toString());
            if (a == null) {
                throw CtlException.unreachable("cannot reach agent at " + uri + ": connection refused", null);
            }
            return a.status();
        }, URI.create("http://10.168.0.11:9099"));
    }

    @AfterEach
    void close() {
        ctl.close();
    }

    static String table(Report r) {
        StringWriter w = new StringWriter();
        r.printTable(new PrintWriter(w, true));
        return w.toString();
    }

    @Test
    void nodesShowsReadinessPodsAndBlocksAndFailsWhenAnAgentDoesNotAnswer() {
        // a VXLAN tunnel address is allocated by the node but is not a pod
        ipam.assign("vxlan-tunnel-addr-n1", "n1", true, false, Map.of());
        NodesReport r = ctl.nodes();
        assertThat(r.exitCode()).isZero();
        String t = table(r);
        assertThat(t.lines().toList().getFirst()).isEqualTo("NAME  ADDRESSES       MODE     READY  PODS  BLOCKS");
        assertThat(t).contains("n1    10.168.0.11/24  host-gw  yes    1     10.244.").contains("n2    10.168.0.12/24");
        assertThat(r.json().get("nodes").get(0).get("blocks").size()).isEqualTo(1);

        agents.remove("http://10.168.0.12:9099");
        NodesReport down = ctl.nodes();
        assertThat(down.exitCode()).isEqualTo(CtlException.PROBLEM);
        assertThat(table(down)).contains("n2    10.168.0.12/24  host-gw  unknown")
                .contains("n2: cannot reach agent at http://10.168.0.12:9099: connection refused");
        assertThat(down.json().get("nodes").get(1).get("ready").isNull()).isTrue();
    }

    @Test
    void routesAsksTheLocalAgentANamedNodeOrAllAndReportsAnAgentThatDoesNotAnswer() {
        assertThat(ctl.routes(Optional.empty(), false).nodes()).extracting(RoutesReport.NodeRoutes::node).containsExactly("n1");
        assertThat(ctl.routes(Optional.of("n2"), false).nodes()).extracting(RoutesReport.NodeRoutes::node).containsExactly("n2");
        assertThatThrownBy(() -> ctl.routes(Optional.of("n9"), false)).isInstanceOf(CtlException.class)
                .hasMessage("no node named 'n9' (nodes: n1, n2)");
        agents.remove("http://10.168.0.12:9099");
        RoutesReport all = ctl.routes(Optional.empty(), true);
        assertThat(all.exitCode()).isEqualTo(CtlException.UNREACHABLE);
        assertThat(table(all)).contains("node n2 (http://10.168.0.12:9099): cannot reach agent");
        assertThatThrownBy(() -> ctl.routes(Optional.of("n2"), false)).isInstanceOf(CtlException.class)
                .extracting(e -> ((CtlException) e).exitCode()).isEqualTo(CtlException.UNREACHABLE);
    }

    @Test
    void ipamShowFindsAnAddressItsPodAndANodesShare() {
        InetAddress ip = pods.get("n2");
        Report one = ctl.ipamShow(Optional.empty(), Optional.empty(), Optional.of(ip));
        assertThat(one.json().get("state").asString()).isEqualTo("allocated");
        assertThat(one.json().get("node").asString()).isEqualTo("n2");
        assertThat(one.json().get("pod").asString()).isEqualTo("lab/p2");
        assertThat(table(one)).contains("pod       lab/p2");

        Report free = ctl.ipamShow(Optional.empty(), Optional.empty(), Optional.of(Fixtures.ip("10.244.200.1")));
        assertThat(free.json().get("state").asString()).isEqualTo("free");
        Report outside = ctl.ipamShow(Optional.empty(), Optional.empty(), Optional.of(Fixtures.ip("192.0.2.1")));
        assertThat(table(outside)).isEqualTo("192.0.2.1 is not in any pool\n");

        Report node = ctl.ipamShow(Optional.empty(), Optional.of("n1"), Optional.empty());
        assertThat(node.json().get("addresses").get(0).get("address").asString()).isEqualTo(pods.get("n1").getHostAddress());
        assertThat(table(node)).contains(pods.get("n1").getHostAddress() + "  lab/p1");

        Report all = ctl.ipamShow(Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(all.json().get("pools").get(0).get("cidr").asString()).isEqualTo("10.244.0.0/16");
        assertThat(all.json().get("blocks").size()).isEqualTo(2);
        assertThatThrownBy(() -> ctl.ipamShow(Optional.of(dev.viaduct.sys.net.IpPrefix.parse("10.9.0.0/16")), Optional.empty(),
                Optional.empty())).hasMessage("no pool 10.9.0.0/16 (pools: 10.244.0.0/16)");
    }

    @Test
    void checkFindsALeakAndReleaseFreesItButRefusesALivePod() {
        assertThat(ctl.ipamCheck().exitCode()).isZero();
        assertThat(table(ctl.ipamCheck())).contains("IPAM is consistent");
        // a leak: the handle record of n2's pod vanished while its block still allocates the address
        store.delete(keys.handle("viaduct.c2.eth0"));
        agents.get("http://10.168.0.12:9099").endpoints.clear(); // and no agent serves it
        Report check = ctl.ipamCheck();
        assertThat(check.exitCode()).isEqualTo(CtlException.PROBLEM);
        String leaked = pods.get("n2").getHostAddress();
        assertThat(table(check)).contains("address without handle  " + leaked)
                .contains("viaduct ctl ipam release --ip " + leaked);

        Report dry = ctl.ipamRelease(pods.get("n2"), true, false);
        assertThat(dry.json().get("released").asBoolean()).isFalse();
        assertThat(table(dry)).contains("dry run: would release (node n2's agent serves no pod with this address (leaked))");
        assertThat(ctl.ipamCheck().exitCode()).isEqualTo(CtlException.PROBLEM); // the dry run changed nothing

        // n1's pod is alive: refused, and nothing changes
        Report refused = ctl.ipamRelease(pods.get("n1"), false, false);
        assertThat(refused.exitCode()).isEqualTo(CtlException.PROBLEM);
        assertThat(table(refused)).contains("refused: node n1's agent still serves a pod with this address (vdc1)");
        assertThat(ipam.blocks().stream().flatMap(b -> b.allocations().stream()).map(a -> a.address()))
                .contains(pods.get("n1"));

        Report done = ctl.ipamRelease(pods.get("n2"), false, false);
        assertThat(done.exitCode()).isZero();
        assertThat(done.json().get("released").asBoolean()).isTrue();
        assertThat(ctl.ipamCheck().exitCode()).isZero();
        assertThat(table(ctl.ipamRelease(pods.get("n2"), false, false))).contains("not allocated; nothing to release");
    }

    @Test
    void checkListsReleasesAgentsOweAndNodesWhoseAgentDidNotAnswer() {
        agents.get("http://10.168.0.12:9099").pendingReleases.add(
                new AgentStatus.PendingRelease("viaduct.c2.eth0", "2026-12-07T10:00:00Z"));
        Report check = ctl.ipamCheck();
        assertThat(check.exitCode()).as("owed, not inconsistent").isZero();
        assertThat(table(check)).contains("release pending").contains(pods.get("n2").getHostAddress())
                .contains("node n2 deleted pod lab/p2 (handle viaduct.c2.eth0) at 2026-12-07T10:00:00Z");
        assertThat(check.json().get("pendingReleases").get(0).get("node").asString()).isEqualTo("n2");
        agents.remove("http://10.168.0.12:9099");
        assertThat(table(ctl.ipamCheck())).contains("pending releases unknown for 1 node (agent did not answer): n2");
    }

    @Test
    void checkListsANodeToReclaimAndReleaseNodeFreesItButRefusesANodeWithARecord() {
        store.delete(keys.node("n2")); // n2's machine is gone
        Report check = ctl.ipamCheck(java.time.Duration.ofMinutes(10));
        assertThat(table(check)).contains("node to reclaim later").contains("n2").contains("node record absent since")
                .contains("1 handle, 1 block");
        assertThat(check.json().get("reclaim").get(0).get("node").asString()).isEqualTo("n2");
        assertThat(check.json().get("reclaim").get(0).get("gone").asBoolean()).isFalse();
        assertThat(ipam.handle("viaduct.c2.eth0")).as("a check changes nothing").isPresent();
        assertThat(store.list(keys.nodeAbsences()).kvs()).isEmpty();

        assertThatThrownBy(() -> ctl.ipamReleaseNode("n1", false, false)).isInstanceOf(CtlException.class)
                .hasMessageContaining("node n1 has a node record");
        Report dry = ctl.ipamReleaseNode("n2", true, false);
        assertThat(table(dry)).contains("dry run: would release 1 address and 1 block of node n2");
        assertThat(ipam.handle("viaduct.c2.eth0")).isPresent();
        Report done = ctl.ipamReleaseNode("n2", false, false);
        assertThat(done.exitCode()).isZero();
        assertThat(done.json().get("handles").get(0).get("addresses").get(0).asString()).isEqualTo(pods.get("n2").getHostAddress());
        assertThat(table(done)).contains("back to the pool").contains("released 1 address and 1 block of node n2");
        assertThat(ipam.handle("viaduct.c2.eth0")).isEmpty();
        assertThat(ipam.handle("viaduct.c1.eth0")).isPresent();
        assertThat(ctl.ipamCheck().exitCode()).isZero();
    }

    @Test
    void releaseWithAnAgentThatCannotBeAskedNeedsForce() {
        agents.remove("http://10.168.0.12:9099");
        assertThatThrownBy(() -> ctl.ipamRelease(pods.get("n2"), false, false)).isInstanceOf(CtlException.class)
                .hasMessageContaining("cannot tell whether " + pods.get("n2").getHostAddress() + " is in use")
                .extracting(e -> ((CtlException) e).exitCode()).isEqualTo(CtlException.UNREACHABLE);
        assertThat(ctl.ipamRelease(pods.get("n2"), false, true).json().get("released").asBoolean()).isTrue();
    }

    @Test
    void anUnreachableStoreIsExitThree() {
        store.setUnavailable(true);
        assertThatThrownBy(ctl::nodes).isInstanceOf(CtlException.class)
                .extracting(e -> ((CtlException) e).exitCode()).isEqualTo(CtlException.UNREACHABLE);
    }
}
