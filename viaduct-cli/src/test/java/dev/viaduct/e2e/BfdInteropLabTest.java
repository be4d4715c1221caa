package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.lab.LabSpec;
import dev.viaduct.store.Keys;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Issue 11's interop acceptance: a 2-node BGP lab with BIRD (BGP + BFD in one process) and FRR (zebra + bfdd +
 * bgpd) on the lab segment as external BGP peers with {@code bfd: true} peer records. BFD sessions come up with
 * both; freezing their BFD (BIRD entirely, FRR's bfdd alone) takes Viaduct's BGP sessions to them down at once
 * and removes the routes learned from them; freezing a Viaduct node makes BIRD's and FRR's sessions to it go down
 * within about a second, not after their hold time.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BfdInteropLabTest {
    static final Duration T = Duration.ofSeconds(30);
    /** Far below every hold time in play (Viaduct proposes 90 s, BIRD 240 s, FRR 180 s): only BFD is this fast. */
    static final Duration FAST = Duration.ofSeconds(5);
    static final long NODE_ASN = 64512;
    static final String BIRD_PREFIX = "198.51.100.0/24";
    static final String FRR_PREFIX = "203.0.113.0/24";

    @RegisterExtension
    static Netns netns = Netns.perClass();

    static LabFixture f;
    static ExternalRouters.Bird bird;
    static ExternalRouters.Frr frr;
    static String birdAddr;
    static String frrAddr;
    static List<String> nodeAddrs;

    static LabSpec spec(LabSpec s) {
        return new LabSpec(s.name(), 2, 0, s.subnetBase(), s.podCidr(), s.blockSize(), "bgp", false, 1, "Never", "Never", false);
    }

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(BfdInteropLabTest::spec);
        birdAddr = f.lab.spec().subnetBase() + ".250";
        frrAddr = f.lab.spec().subnetBase() + ".251";
        nodeAddrs = f.lab.nodes().stream().map(f.lab::nodeAddress).toList();
        String birdNs = f.lab.attachNamespace("bird", birdAddr);
        String frrNs = f.lab.attachNamespace("frr", frrAddr);
        bird = ExternalRouters.startBird(netns, birdNs, birdAddr, 65010, BIRD_PREFIX, nodeAddrs, NODE_ASN);
        frr = ExternalRouters.startFrr(netns, frrNs, frrAddr, 65020, FRR_PREFIX, nodeAddrs, NODE_ASN);
        Keys keys = Keys.defaults();
        f.store.put(keys.bgpPeer("bird"), ("{\"address\":\"" + birdAddr + "\",\"asn\":65010,\"bfd\":true}").getBytes(StandardCharsets.UTF_8));
        f.store.put(keys.bgpPeer("frr"), ("{\"address\":\"" + frrAddr + "\",\"asn\":65020,\"bfd\":true}").getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void down() {
        try {
            if (bird != null) {
                FreezeTrials.signal("CONT", List.of(ExternalRouters.pid(bird.process())));
            }
            if (frr != null) {
                FreezeTrials.signal("CONT", List.of(ExternalRouters.pid(frr.bfdd())));
            }
            if (f != null) {
                for (String n : f.lab.nodes()) {
                    FreezeTrials.signal("CONT", FreezeTrials.pids(f.lab.nodeNamespace(n)));
                }
            }
            netns.close(); // BIRD and FRR before their namespaces go with the lab
        } finally {
            if (f != null) {
                f.close();
            }
            ExternalRouters.deleteTree(bird == null ? null : bird.dir());
            ExternalRouters.deleteTree(frr == null ? null : frr.dir());
        }
    }

    static String bgpState(String node, String peer) {
        for (JsonNode p : FreezeTrials.status(f, node).path("peers")) {
            if (p.path("address").asString().equals(peer)) {
                return p.path("state").asString();
            }
        }
        return "absent";
    }

    static boolean hasRoute(String node, String prefix, String via) {
        return f.lab.routes(node).stream().anyMatch(r -> r.startsWith(prefix + " via " + via + " "));
    }

    /** Every node: BGP established with the peer, BFD Up both ways, the peer's prefix in the kernel. */
    static void awaitPeer(String peer, String prefix) {
        for (String n : f.lab.nodes()) {
            String me = f.lab.nodeAddress(n);
            Poll.until(n + " with " + peer + ": BGP established, BFD Up, " + prefix + " routed", T,
                    () -> bgpState(n, peer).equals("ESTABLISHED") && FreezeTrials.bfdUp(f, n, peer) && hasRoute(n, prefix, peer)
                            && (peer.equals(birdAddr) ? bird.bfd(me).equals("Up") && bird.established(n)
                                    : frr.bfd(me).equals("up") && frr.bgpState(me).equals("Established")));
        }
    }

    @Test
    @Order(1)
    void bfdSessionsComeUpWithBirdAndFrr() {
        awaitPeer(birdAddr, BIRD_PREFIX);
        awaitPeer(frrAddr, FRR_PREFIX);
        for (String n : f.lab.nodes()) {
            FreezeTrials.awaitFastTimers(f, n, birdAddr, 100, 300, T);
            FreezeTrials.awaitFastTimers(f, n, frrAddr, 100, 300, T);
            JsonNode b = FreezeTrials.bfdSession(f, n, birdAddr);
            assertThat(b.path("name").asString()).isEqualTo("bird");
            assertThat(b.path("txIntervalMs").asLong()).isEqualTo(100);
            assertThat(FreezeTrials.bfdSession(f, n, frrAddr).path("detectMs").asLong()).isEqualTo(300);
        }
    }

    /** Waits until every node has taken its session with {@code peer} down and dropped {@code prefix}; returns ms. */
    static double awaitWithdrawn(String peer, String prefix, long t0) {
        for (String n : f.lab.nodes()) {
            Poll.until(n + " drops its BGP session with " + peer + " and " + prefix, FAST,
                    () -> !bgpState(n, peer).equals("ESTABLISHED") && !hasRoute(n, prefix, peer));
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    @Test
    @Order(2)
    void aFrozenBirdTakesViaductsSessionsDownAtOnce() {
        awaitPeer(birdAddr, BIRD_PREFIX);
        long t0 = System.nanoTime();
        FreezeTrials.signal("STOP", List.of(ExternalRouters.pid(bird.process())));
        try {
            double ms = awaitWithdrawn(birdAddr, BIRD_PREFIX, t0);
            System.out.printf("BIRD frozen: Viaduct's BGP sessions down and %s withdrawn on every node after %.0f ms%n", BIRD_PREFIX, ms);
            for (String n : f.lab.nodes()) {
                assertThat(FreezeTrials.bfdSession(f, n, birdAddr).path("pathDown").asBoolean()).isTrue();
            }
            // FRR's session is not affected
            assertThat(f.lab.nodes()).allSatisfy(n -> assertThat(hasRoute(n, FRR_PREFIX, frrAddr)).isTrue());
        } finally {
            FreezeTrials.signal("CONT", List.of(ExternalRouters.pid(bird.process())));
        }
        awaitPeer(birdAddr, BIRD_PREFIX);
    }

    @Test
    @Order(3)
    void aFrozenFrrBfddTakesViaductsSessionsDownAtOnceAndKeepsThemDown() {
        awaitPeer(frrAddr, FRR_PREFIX);
        long t0 = System.nanoTime();
        FreezeTrials.signal("STOP", List.of(ExternalRouters.pid(frr.bfdd())));
        try {
            double ms = awaitWithdrawn(frrAddr, FRR_PREFIX, t0);
            System.out.printf("FRR bfdd frozen (bgpd alive): Viaduct's BGP sessions down and %s withdrawn after %.0f ms%n", FRR_PREFIX, ms);
            for (String n : f.lab.nodes()) {
                // bgpd still answers TCP, but the path BFD declared down is not used again until BFD is Up
                assertThat(FreezeTrials.bfdSession(f, n, frrAddr).path("pathDown").asBoolean()).isTrue();
                assertThat(bgpState(n, frrAddr)).as("held out of the speaker while BFD is down").isEqualTo("absent");
            }
        } finally {
            FreezeTrials.signal("CONT", List.of(ExternalRouters.pid(frr.bfdd())));
        }
        awaitPeer(frrAddr, FRR_PREFIX);
    }

    @Test
    @Order(4)
    void aFrozenViaductNodeTakesBirdsAndFrrsSessionsDownWithinASecondOrSo() {
        awaitPeer(birdAddr, BIRD_PREFIX);
        awaitPeer(frrAddr, FRR_PREFIX);
        String node = "n1";
        String addr = f.lab.nodeAddress(node);
        List<String> pids = FreezeTrials.pids(f.lab.nodeNamespace(node));
        long t0 = System.nanoTime();
        FreezeTrials.signal("STOP", pids);
        double birdMs;
        double frrMs;
        try {
            Poll.until("BIRD's session with frozen " + node + " down", FAST, () -> !bird.established(node));
            birdMs = (System.nanoTime() - t0) / 1e6;
            Poll.until("FRR's session with frozen " + node + " down", FAST, () -> !frr.bgpState(addr).equals("Established"));
            frrMs = (System.nanoTime() - t0) / 1e6;
            assertThat(bird.protocol(node)).contains("BFD session down");
        } finally {
            FreezeTrials.signal("CONT", pids);
        }
        System.out.printf("Viaduct node %s frozen: BIRD's BGP session down after %.0f ms, FRR's after %.0f ms (hold times 90 s)%n", node,
                birdMs, frrMs);
        awaitPeer(birdAddr, BIRD_PREFIX);
        awaitPeer(frrAddr, FRR_PREFIX);
    }
}
