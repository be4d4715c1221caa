package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Block;
import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 8: two racks joined only through routers — a BIRD ToR per rack, a BIRD spine — nodes AS per rack,
 * eBGP to their ToR. No overlay anywhere.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BgpRackLabTest {
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(4).withPodsPerNode(1).withMode("bgp").withRacks(2)
                .withSubnetBase(OverlayLabTest.ownSubnet(s)).withBgp("bird", 0));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    static int rackOf(String node) {
        return f.lab.spec().rackLayout().rackOf(Integer.parseInt(node.substring(1)));
    }

    /** Same rack: straight to the owner; other rack: via the own rack's ToR. */
    static String gateway(String node, String owner) {
        return rackOf(node) == rackOf(owner) ? f.lab.nodeAddress(owner) : f.lab.spec().rackLayout().rack(rackOf(node)).gateway();
    }

    static Set<String> podBlocks() {
        Set<String> s = new TreeSet<>();
        for (Block b : f.blocks()) {
            if (b.affineNode().isPresent() && f.lab.nodes().contains(b.affineNode().get())) {
                s.add(b.cidr().toString());
            }
        }
        return s;
    }

    static String birdRoutes(int rack) {
        return Cmd.ok("birdc", "-s", f.lab.birdSocket(rack).toString(), "show", "route");
    }

    @Test
    @Order(1)
    void podsInDifferentRacksReachEachOtherWithoutOverlayAndTorsHoldExactlyTheBlocks() throws Exception {
        BgpLabAssertions.allPodsReachEachOther(f);
        BgpLabAssertions.routesConverge(f, BgpRackLabTest::gateway);
        for (String n : f.lab.nodes()) {
            assertThat(f.ip(n, "-d", "link", "show").orThrow().stdout()).doesNotContain("vxlan").doesNotContain("ipip");
        }
        for (int rack = 1; rack <= 2; rack++) {
            int r = rack;
            Poll.until("ToR " + r + " to hold exactly the pod blocks", Duration.ofSeconds(20),
                    () -> BgpLabAssertions.birdPodPrefixes(birdRoutes(r), "10.244."), have -> have.equals(podBlocks()));
        }
        Poll.until("spine to hold exactly the pod blocks", Duration.ofSeconds(20),
                () -> BgpLabAssertions.birdPodPrefixes(birdRoutes(0), "10.244."), have -> have.equals(podBlocks()));
    }

    @Test
    @Order(2)
    void agentRestartUnderFpingAcrossRacksLosesNothing() throws Exception {
        LabState.Pod a = f.lab.pods().stream().filter(p -> rackOf(p.node()) == 1).findFirst().orElseThrow();
        LabState.Pod b = f.lab.pods().stream().filter(p -> rackOf(p.node()) == 2).findFirst().orElseThrow();
        List<String> routesBefore = f.lab.routes(a.node());
        // every pod-block route event in every namespace of the fabric (nodes, ToRs, spine): with graceful restart
        // nothing on the path should be withdrawn, and when packets are lost this says where
        List<String> churn = new CopyOnWriteArrayList<>();
        List<String> timeline = new CopyOnWriteArrayList<>(); // churn and what the test did, in order
        List<AutoCloseable> watches = new ArrayList<>();
        List<String> namespaces = new ArrayList<>();
        for (String n : f.lab.nodes()) {
            namespaces.add(f.lab.nodeNamespace(n));
        }
        namespaces.addAll(List.of(f.lab.torNamespace(1), f.lab.torNamespace(2), f.lab.spec().rackLayout().routerNs()));
        long t0 = System.nanoTime();
        try {
            for (String name : namespaces) {
                NetNamespace ns = NetNamespace.openNamed(name);
                watches.add(ns);
                watches.add(NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.IPV4_ROUTE), e -> {
                    String what = switch (e) {
                        case NetlinkEvent.RouteAdded r when r.route().destination().toString().startsWith("10.244.") -> "add " + r.route();
                        case NetlinkEvent.RouteRemoved r when r.route().destination().toString().startsWith("10.244.") -> "del " + r.route();
                        default -> null;
                    };
                    if (what != null) {
                        String line = String.format("%8.1f ms %s %s", (System.nanoTime() - t0) / 1e6, name, what);
                        churn.add(line);
                        timeline.add(line);
                    }
                }));
            }
            Fping ab = Fping.start(a.namespace(), b.ips().getFirst(), 800, 20, 500);
            Fping ba = Fping.start(b.namespace(), a.ips().getFirst(), 800, 20, 500);
            // traffic flowing both ways before the crash is part of the scenario (~1 s of it: 50 echoes a second each way)
            ab.awaitTraffic(100, Duration.ofSeconds(10));
            ba.awaitTraffic(100, Duration.ofSeconds(10));
            timeline.add(String.format("%8.1f ms kill -9 agent %s", (System.nanoTime() - t0) / 1e6, a.node()));
            f.lab.stopAgent(a.node(), true);
            f.lab.startAgent(a.node());
            f.lab.awaitAgent(a.node(), Duration.ofSeconds(60));
            timeline.add(String.format("%8.1f ms agent %s ready; SIGTERM agent %s", (System.nanoTime() - t0) / 1e6, a.node(), b.node()));
            // and the other side's agent too, gracefully this time
            f.lab.stopAgent(b.node(), false);
            f.lab.startAgent(b.node());
            f.lab.awaitAgent(b.node(), Duration.ofSeconds(60));
            timeline.add(String.format("%8.1f ms agent %s ready", (System.nanoTime() - t0) / 1e6, b.node()));
            Fping.Result r1 = ab.await(60);
            Fping.Result r2 = ba.await(60);
            System.out.printf("fping across racks during agent restarts: %d/%d and %d/%d (max RTT %.2f / %.2f ms)%n", r1.received(),
                    r1.sent(), r2.received(), r2.sent(), r1.maxRtt(), r2.maxRtt());
            String told = String.join("\n  ", timeline);
            System.out.println("the restarts and the pod-route events in the fabric meanwhile:\n  " + told);
            assertThat(r1.received()).as("%s -> %s: %s; timeline:%n  %s", a.name(), b.name(), r1.losses(t0), told).isEqualTo(800);
            assertThat(r2.received()).as("%s -> %s: %s; timeline:%n  %s", b.name(), a.name(), r2.losses(t0), told).isEqualTo(800);
            assertThat(churn).as("pod-route events anywhere in the fabric (graceful restart keeps every route)").isEmpty();
        } finally {
            for (AutoCloseable w : watches.reversed()) {
                w.close();
            }
        }
        assertThat(f.lab.routes(a.node())).isEqualTo(routesBefore);
    }

    @Test
    @Order(3)
    void aRemovedNodesRoutesDisappearEverywhereIncludingTheTors() {
        String gone = "n4";
        Set<String> itsBlocks = new TreeSet<>();
        f.blocks().stream().filter(b -> b.affineNode().orElse("").equals(gone)).forEach(b -> itsBlocks.add(b.cidr().toString()));
        assertThat(itsBlocks).isNotEmpty();
        f.lab.removeNode(gone);
        for (String node : BgpLabAssertions.nodesExcept(f, gone)) {
            Poll.until("routes to " + gone + "'s blocks to vanish from " + node, Duration.ofSeconds(60), () -> f.lab.routes(node),
                    rs -> rs.stream().noneMatch(r -> itsBlocks.stream().anyMatch(r::startsWith)));
        }
        for (int rack = 0; rack <= 2; rack++) {
            int r = rack;
            Poll.until("router " + r + " to drop " + gone + "'s blocks", Duration.ofSeconds(60),
                    () -> BgpLabAssertions.birdPodPrefixes(birdRoutes(r), "10.244."), have -> have.equals(podBlocks()));
        }
    }
}
