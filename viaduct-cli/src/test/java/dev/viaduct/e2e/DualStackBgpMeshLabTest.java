package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Dual-stack in BGP mode, node-to-node mesh over IPv4 sessions: IPv6 blocks travel as MP-BGP IPv6 unicast
 * (RFC 4760) with the announcing node's global IPv6 address as next hop (RFC 2545 §3), not an IPv4-mapped one,
 * so every node routes them via that address.
 */
@Tag("root")
class DualStackBgpMeshLabTest {
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(3).withPodsPerNode(1).withMode("bgp").withIpv6(true));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void ipv6BlocksGoViaTheAnnouncingNodesIpv6AddressAndPodsReachEachOtherInBothFamilies() {
        DualStack.ipv6BlockRoutesConverge(f, (node, owner) ->
                "via " + f.lab.spec().nodeAddressV6(DualStack.index(owner)) + " dev eth0 proto viaduct metric 1024");
        DualStack.everyPodReachesEveryOtherInBothFamilies(f);
        for (String n : f.lab.nodes()) {
            assertThat(f.lab.routes(n)).noneMatch(r -> r.contains("::ffff:"));
        }
    }
}
