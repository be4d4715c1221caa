package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.ipam.Block;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabState;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
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

/** Issue 7's end-to-end acceptance on a 3-node host-gw lab (one lab for the class; node removal runs last). */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostGwLabTest {
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

    /** What each node's Viaduct routes must be, computed from IPAM's blocks and the lab's pods. */
    static Set<String> expectedRoutes(String node, List<String> liveNodes) {
        Set<String> want = new TreeSet<>();
        for (Block b : f.blocks()) {
            String owner = b.affineNode().orElse(null);
            if (node.equals(owner)) {
                want.add("blackhole " + b.cidr() + " proto viaduct");
            } else if (owner != null && liveNodes.contains(owner)) {
                want.add(b.cidr() + " via " + f.lab.nodeAddress(owner) + " dev eth0 proto viaduct");
            }
        }
        for (LabState.Pod p : f.lab.pods()) {
            if (p.node().equals(node)) {
                want.add(p.ips().getFirst() + " dev " + HostVethNames.of("viaduct." + p.containerId() + ".eth0")
                        + " proto viaduct scope link");
            }
        }
        return want;
    }

    @Test
    @Order(1)
    void everyPodReachesEveryOtherPodOverIcmpAndTcp() throws Exception {
        Lab.Matrix m = f.lab.pingMatrix();
        assertThat(m.failures()).isEmpty();
        assertThat(m.pods()).hasSize(6);
        List<LabState.Pod> pods = f.lab.pods();
        List<String> tcpFailures = new ArrayList<>();
        for (LabState.Pod a : pods) {
            for (LabState.Pod b : pods) {
                if (!a.node().equals(b.node()) && !f.lab.tcp(a, b)) {
                    tcpFailures.add(a.name() + "@" + a.node() + " -> " + b.name() + "@" + b.node());
                }
            }
        }
        assertThat(tcpFailures).isEmpty();
    }

    @Test
    @Order(2)
    void eachNodeHasExactlyTheExpectedRoutes() {
        List<String> nodes = f.lab.nodes();
        for (String node : nodes) {
            Poll.until("routes of " + node + " to equal the expected set", Duration.ofSeconds(10),
                    () -> new TreeSet<>(f.lab.routes(node)), have -> have.equals(expectedRoutes(node, nodes)));
        }
        // each node: 2 pods + own block blackhole + 2 remote blocks
        assertThat(f.lab.routes("n1")).hasSize(5);
    }

    @Test
    @Order(3)
    void aRouteDeletedByHandComesBackAndForeignRoutesAreUntouched() throws Exception {
        String remote = f.lab.routes("n1").stream().filter(r -> r.contains(" via ")).findFirst().orElseThrow();
        String dst = remote.substring(0, remote.indexOf(' '));
        // foreign routes: one outside the pod range, one inside it (more specific than a block), both proto static
        f.ip("n1", "route", "add", "192.0.2.0/24", "via", f.lab.nodeAddress("n2"), "proto", "static").orThrow();
        f.ip("n1", "route", "add", dst.replace("/26", "/28"), "via", f.lab.nodeAddress("n3"), "proto", "static").orThrow();
        double drifted = f.metric("n1", "viaduct_routes_drifted_total");

        f.ip("n1", "route", "del", dst, "proto", "86").orThrow();
        Poll.until("deleted route " + dst + " to come back", Duration.ofSeconds(10),
                () -> f.lab.routes("n1").contains(remote));
        Poll.until("drift to be counted", Duration.ofSeconds(5), () -> {
            try {
                return f.metric("n1", "viaduct_routes_drifted_total") > drifted;
            } catch (Exception e) {
                return false;
            }
        });
        // survive at least one full periodic resync (10 s in the lab) as well
        double passes = f.metric("n1", "viaduct_route_reconcile_passes_total");
        Poll.until("two more reconcile passes", Duration.ofSeconds(30), () -> {
            try {
                return f.metric("n1", "viaduct_route_reconcile_passes_total") >= passes + 2;
            } catch (Exception e) {
                return false;
            }
        });
        String all = f.ip("n1", "route", "show").orThrow().stdout();
        assertThat(all).contains("192.0.2.0/24 via " + f.lab.nodeAddress("n2") + " dev eth0 proto static");
        assertThat(all).contains(dst.replace("/26", "/28") + " via " + f.lab.nodeAddress("n3") + " dev eth0 proto static");
        f.ip("n1", "route", "del", "192.0.2.0/24").orThrow();
        f.ip("n1", "route", "del", dst.replace("/26", "/28")).orThrow();
    }

    @Test
    @Order(4)
    void aNewPodsVeryFirstPacketIsAnswered() throws Exception {
        LabState.Pod remote = f.lab.pods().stream().filter(p -> p.node().equals("n2")).findFirst().orElseThrow();
        for (int i = 0; i < 3; i++) {
            LabState.Pod fresh = f.lab.addPod("n1", "q" + i, null);
            // exactly one echo, no retry: no ARP/proxy-ARP delay may eat it
            assertThat(f.lab.ping(fresh, remote.ips().getFirst(), 1)).as("first ping from new pod %s", fresh.name()).isTrue();
            LabState.Pod fresh2 = f.lab.addPod("n3", "q" + i, null);
            assertThat(f.lab.ping(remote, fresh2.ips().getFirst(), 1)).as("first ping to new pod %s", fresh2.name()).isTrue();
            f.lab.deletePod(fresh);
            f.lab.deletePod(fresh2);
        }
    }

    @Test
    @Order(5)
    void removingANodeRemovesItsRoutesEverywhere() {
        String gone = f.lab.nodeAddress("n3");
        assertThat(f.lab.routes("n1")).anyMatch(r -> r.contains("via " + gone));
        f.lab.removeNode("n3");
        List<String> left = f.lab.nodes();
        for (String node : left) {
            // the node's lease (5 s in the lab) expires, its record goes, every agent drops its routes
            Poll.until("routes via " + gone + " to vanish from " + node, Duration.ofSeconds(30),
                    () -> f.lab.routes(node), rs -> rs.stream().noneMatch(r -> r.contains("via " + gone)));
            assertThat(new TreeSet<>(f.lab.routes(node))).isEqualTo(expectedRoutes(node, left));
        }
        assertThat(Cmd.run("ip", "netns", "list").stdout()).doesNotContain(f.lab.nodeNamespace("n3") + " ");
    }
}
