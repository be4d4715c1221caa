package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Block;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabState;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/** Checks shared by the dual-stack lab tests: both families between every pod pair, and IPv6 block routes. */
final class DualStack {
    static final Duration CONVERGE = Duration.ofSeconds(30);

    private DualStack() {
    }

    /** Node i's number from its name (n3 → 3). */
    static int index(String node) {
        return Integer.parseInt(node.substring(1));
    }

    static int rackOf(LabFixture f, String node) {
        return f.lab.spec().rackLayout().rackOf(index(node));
    }

    static LabState.Pod pod(LabFixture f, String node) {
        return f.lab.pods().stream().filter(p -> p.node().equals(node)).findFirst().orElseThrow();
    }

    static String v6(LabState.Pod p) {
        return p.ips().stream().filter(a -> a.contains(":")).findFirst().orElseThrow();
    }

    /**
     * Every pod holds one address of each family, as the CNI result gave them (IPv6 in RFC 5952 text), and every
     * pod reaches every other pod at both (the lab's matrix pings each address).
     */
    static void everyPodReachesEveryOtherInBothFamilies(LabFixture f) {
        for (LabState.Pod p : f.lab.pods()) {
            assertThat(p.ips()).as("addresses of " + p.node() + "/" + p.name()).hasSize(2);
            assertThat(p.ips().getFirst()).doesNotContain(":");
            assertThat(v6(p)).isEqualTo(IpAddresses.format(IpAddresses.parse(v6(p))));
        }
        Lab.Matrix m = Poll.until("every pod pair to reach each other over IPv4 and IPv6", CONVERGE, f.lab::pingMatrix,
                Lab.Matrix::allOk);
        assertThat(m.failures()).isEmpty();
    }

    /**
     * Each node's IPv6 routes to other nodes' IPv6 blocks are exactly {@code routeFor(node, block owner)} (the
     * part after the block), and no IPv6 route names an IPv4 gateway.
     */
    static void ipv6BlockRoutesConverge(LabFixture f, BiFunction<String, String, String> routeFor) {
        for (String node : f.lab.nodes()) {
            Set<String> want = new TreeSet<>();
            for (Block b : f.blocks()) {
                String owner = b.affineNode().orElse(null);
                if (b.cidr().isIpv6() && owner != null && !owner.equals(node) && !b.isEmpty()) {
                    want.add(b.cidr() + " " + routeFor.apply(node, owner));
                }
            }
            assertThat(want).as("IPv6 blocks of the other nodes").isNotEmpty();
            Poll.until("IPv6 block routes of " + node, CONVERGE, () -> ipv6BlockRoutes(f, node), have -> have.equals(want));
        }
    }

    /** A node's Viaduct routes to IPv6 blocks (not its pods' /128s, not its own blackholes). */
    static Set<String> ipv6BlockRoutes(LabFixture f, String node) {
        Set<String> have = new TreeSet<>();
        for (String r : f.lab.routes(node)) {
            String dst = r.split(" ")[0];
            if (dst.contains(":") && dst.contains("/")) {
                have.add(r);
            }
        }
        return have;
    }
}
