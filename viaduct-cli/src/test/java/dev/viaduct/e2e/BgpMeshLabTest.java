package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Block;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.testsupport.Poll;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Issue 8: BGP full mesh of 5 nodes. */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BgpMeshLabTest {
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(5).withPodsPerNode(1).withMode("bgp"));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    @Order(1)
    void everyPodPairReachesEachOtherAndRoutesAreExact() throws Exception {
        BgpLabAssertions.allPodsReachEachOther(f);
        BgpLabAssertions.routesConverge(f, (node, owner) -> f.lab.nodeAddress(owner));
        String status = f.get("n1", "/status");
        for (String peer : List.of("n2", "n3", "n4", "n5")) {
            assertThat(status).contains("\"name\" : \"node:" + peer + "\"");
        }
        assertThat(status).doesNotContain("\"state\" : \"IDLE\"").doesNotContain("\"state\" : \"ACTIVE\"");
    }

    /**
     * A new block appears (IPAM gives node n1 one more block) → time until its route is in every other node's
     * kernel, seen through each node's own route events. 20 samples.
     */
    @Test
    @Order(2)
    void aNewBlocksRouteReachesEveryKernelQuickly() throws Exception {
        List<String> others = List.of("n2", "n3", "n4", "n5");
        Map<String, Map<String, Long>> seen = new ConcurrentHashMap<>();
        List<NetlinkEvents> subs = new ArrayList<>();
        List<NetNamespace> nss = new ArrayList<>();
        List<Double> millis = new ArrayList<>();
        try {
            for (String n : others) {
                NetNamespace ns = NetNamespace.openNamed(f.lab.nodeNamespace(n));
                nss.add(ns);
                Map<String, Long> m = seen.computeIfAbsent(n, k -> new ConcurrentHashMap<>());
                subs.add(NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.IPV4_ROUTE), e -> {
                    if (e instanceof NetlinkEvent.RouteAdded a && a.route().protocol().equals(RouteProtocol.VIADUCT)) {
                        m.putIfAbsent(a.route().destination().toString(), System.nanoTime());
                    }
                }));
            }
            for (int i = 0; i < 20; i++) {
                // an address in a block nobody holds yet: 10.244.(200+i).0/26 → n1 claims it
                InetAddress ip = InetAddress.ofLiteral("10.244." + (200 + i) + ".1");
                long t0 = System.nanoTime();
                f.ipam.assignStatic("conv-" + i, "n1", ip, Map.of());
                String block = "10.244." + (200 + i) + ".0/26";
                Poll.until("route to " + block + " on every other node", Duration.ofSeconds(10),
                        () -> others.stream().allMatch(n -> seen.get(n).containsKey(block)));
                long last = others.stream().mapToLong(n -> seen.get(n).get(block)).max().orElseThrow();
                millis.add((last - t0) / 1e6);
            }
        } finally {
            subs.forEach(NetlinkEvents::close);
            nss.forEach(NetNamespace::close);
        }
        Collections.sort(millis);
        System.out.printf("BGP 5-node mesh: new block -> every other kernel: p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)%n",
                millis.get(millis.size() / 2), millis.get((int) Math.ceil(0.99 * millis.size()) - 1), millis.getLast(), millis.size());
        for (int i = 0; i < 20; i++) {
            f.ipam.releaseByHandle("conv-" + i);
        }
        f.ipam.releaseAffinity("n1", false);
        for (int i = 0; i < 20; i++) {
            String block = "10.244." + (200 + i) + ".0/26";
            Poll.until("route to released " + block + " gone everywhere", Duration.ofSeconds(10),
                    () -> others.stream().noneMatch(n -> f.lab.routes(n).stream().anyMatch(r -> r.startsWith(block))));
        }
    }

    @Test
    @Order(3)
    void aRemovedNodesRoutesDisappearEverywhere() {
        String gone = f.lab.nodeAddress("n5");
        List<String> blocks = f.blocks().stream().filter(b -> b.affineNode().orElse("").equals("n5"))
                .map(b -> b.cidr().toString()).toList();
        assertThat(blocks).isNotEmpty();
        f.lab.removeNode("n5");
        for (String node : BgpLabAssertions.nodesExcept(f, "n5")) {
            Poll.until("routes via " + gone + " to vanish from " + node, Duration.ofSeconds(30), () -> f.lab.routes(node),
                    rs -> rs.stream().noneMatch(r -> r.contains("via " + gone) || blocks.stream().anyMatch(r::startsWith)));
        }
        BgpLabAssertions.routesConverge(f, (node, owner) -> f.lab.nodeAddress(owner));
    }

    static boolean isOwned(Block b, String node) {
        return b.affineNode().orElse("").equals(node);
    }
}
