package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Block;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Dual-stack with BIRD top-of-rack routers: two racks, nodes eBGP to their rack's ToR over IPv4 sessions
 * carrying IPv6 unicast too. Inside a rack IPv6 blocks go via the owner's IPv6 address, across racks via the
 * ToR's IPv6 address on the rack segment; the ToRs hold exactly the IPv6 blocks.
 */
@Tag("root")
class DualStackBgpRackLabTest {
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(4).withPodsPerNode(1).withMode("bgp").withRacks(2)
                .withSubnetBase(OverlayLabTest.ownSubnet(s)).withBgp("bird", 0).withIpv6(true));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void ipv6BlocksCrossTheBirdFabricAndPodsReachEachOtherInBothFamilies() {
        DualStack.ipv6BlockRoutesConverge(f, (node, owner) -> "via " + (DualStack.rackOf(f, node) == DualStack.rackOf(f, owner)
                ? f.lab.spec().nodeAddressV6(DualStack.index(owner))
                : f.lab.spec().rackLayout().rack(DualStack.rackOf(f, node)).gatewayV6()) + " dev eth0 proto viaduct metric 1024");
        DualStack.everyPodReachesEveryOtherInBothFamilies(f);
        Set<String> v6Blocks = new TreeSet<>();
        for (Block b : f.blocks()) {
            if (b.cidr().isIpv6() && b.affineNode().isPresent() && !b.isEmpty()) {
                v6Blocks.add(b.cidr().toString());
            }
        }
        String pool = LabSpec.POD_CIDR_V6.substring(0, LabSpec.POD_CIDR_V6.indexOf("::") + 1);
        for (int rack = 1; rack <= 2; rack++) {
            int r = rack;
            Poll.until("ToR " + r + " holds the IPv6 blocks", DualStack.CONVERGE,
                    () -> BgpLabAssertions.birdPodPrefixes(Cmd.ok("birdc", "-s", f.lab.birdSocket(r).toString(), "show", "route"), pool),
                    have -> have.equals(v6Blocks));
        }
        assertThat(v6Blocks).hasSize(4);
    }
}
