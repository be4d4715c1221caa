package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.ipam.Block;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabState;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/** Checks shared by the BGP lab tests. */
final class BgpLabAssertions {
    private BgpLabAssertions() {
    }

    /**
     * A node's Viaduct routes must be exactly: its pods' /32s, a blackhole per own block, and every other live
     * node's block via {@code gatewayFor(node, owner)}.
     */
    static Set<String> expectedRoutes(LabFixture f, String node, List<String> live, BiFunction<String, String, String> gatewayFor) {
        Set<String> want = new TreeSet<>();
        for (Block b : f.blocks()) {
            String owner = b.affineNode().orElse(null);
            if (node.equals(owner)) {
                want.add("blackhole " + b.cidr() + " proto viaduct");
            } else if (owner != null && live.contains(owner) && !b.isEmpty()) {
                want.add(b.cidr() + " via " + gatewayFor.apply(node, owner) + " dev eth0 proto viaduct");
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

    static void routesConverge(LabFixture f, BiFunction<String, String, String> gatewayFor) {
        List<String> live = f.lab.nodes();
        for (String node : live) {
            Poll.until("routes of " + node + " to equal the expected set", Duration.ofSeconds(30),
                    () -> new TreeSet<>(f.lab.routes(node)), have -> have.equals(expectedRoutes(f, node, live, gatewayFor)));
        }
    }

    static void allPodsReachEachOther(LabFixture f) {
        Lab.Matrix m = Poll.until("every pod pair to reach each other", Duration.ofSeconds(20), f.lab::pingMatrix, Lab.Matrix::allOk);
        assertThat(m.failures()).isEmpty();
    }

    /** Lines of {@code birdc show route} naming pod-pool prefixes, as the set of prefixes. */
    static Set<String> birdPodPrefixes(String birdShowRoute, String poolPrefix) {
        Set<String> out = new TreeSet<>();
        for (String line : birdShowRoute.lines().toList()) {
            String first = line.strip().split("\\s+")[0];
            if (first.startsWith(poolPrefix) && first.contains("/")) {
                out.add(first);
            }
        }
        return out;
    }

    static List<String> nodesExcept(LabFixture f, String gone) {
        List<String> l = new ArrayList<>(f.lab.nodes());
        l.remove(gone);
        return l;
    }
}
