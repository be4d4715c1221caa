package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Block;
import dev.viaduct.lab.LabState;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    static int[] summary(String out) {
        Matcher m = Pattern.compile("xmt/rcv/%loss = (\\d+)/(\\d+)/").matcher(out);
        assertThat(m.find()).as("fping summary in: %s", out).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    @Test
    @Order(2)
    void agentRestartUnderFpingAcrossRacksLosesNothing() throws Exception {
        LabState.Pod a = f.lab.pods().stream().filter(p -> rackOf(p.node()) == 1).findFirst().orElseThrow();
        LabState.Pod b = f.lab.pods().stream().filter(p -> rackOf(p.node()) == 2).findFirst().orElseThrow();
        List<String> routesBefore = f.lab.routes(a.node());
        Process ab = new ProcessBuilder("ip", "netns", "exec", a.namespace(), "fping", "-c", "800", "-p", "20", "-t", "500", "-q",
                b.ips().getFirst()).redirectErrorStream(true).start();
        Process ba = new ProcessBuilder("ip", "netns", "exec", b.namespace(), "fping", "-c", "800", "-p", "20", "-t", "500", "-q",
                a.ips().getFirst()).redirectErrorStream(true).start();
        Thread.sleep(1000); // traffic before the crash is part of the scenario
        f.lab.stopAgent(a.node(), true);
        f.lab.startAgent(a.node());
        f.lab.awaitAgent(a.node(), Duration.ofSeconds(60));
        // and the other side's agent too, gracefully this time
        f.lab.stopAgent(b.node(), false);
        f.lab.startAgent(b.node());
        f.lab.awaitAgent(b.node(), Duration.ofSeconds(60));
        assertThat(ab.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ba.waitFor(60, TimeUnit.SECONDS)).isTrue();
        int[] s1 = summary(new String(ab.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        int[] s2 = summary(new String(ba.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        System.out.printf("fping across racks during agent restarts: %d/%d and %d/%d%n", s1[1], s1[0], s2[1], s2[0]);
        assertThat(s1[1]).isEqualTo(s1[0]).isEqualTo(800);
        assertThat(s2[1]).isEqualTo(s2[0]).isEqualTo(800);
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
