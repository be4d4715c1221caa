package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Issue 11 in host-gw mode on a 3-node lab: BFD sessions between every pair of nodes run in bfdd, a process of
 * its own that survives the agent's kill -9 without a flap; a frozen node's routes disappear from every other
 * node's kernel within the BFD detection time (measured over 20 tries) and come back when it thaws; a killed
 * bfdd is started again by the agent.
 */
@Tag("root")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BfdHostGwLabTest {
    static final Duration T = Duration.ofSeconds(30);
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(3).withPodsPerNode(1));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            for (String n : f.lab.nodes()) {
                FreezeTrials.signal("CONT", FreezeTrials.pids(f.lab.nodeNamespace(n))); // never leave a node frozen
            }
            f.close();
        }
    }

    static long bfddPid(String node) {
        return FreezeTrials.status(f, node).path("bfdDaemon").path("pid").asLong(-1);
    }

    @Test
    @Order(1)
    void everyNodeHasAnUpSessionWithEveryOtherInItsOwnDaemon() throws Exception {
        for (String n : f.lab.nodes()) {
            for (String peer : f.lab.nodes()) {
                if (!peer.equals(n)) {
                    Poll.until(n + "'s BFD session with " + peer + " Up", T, () -> FreezeTrials.bfdUp(f, n, f.lab.nodeAddress(peer)));
                    FreezeTrials.awaitFastTimers(f, n, f.lab.nodeAddress(peer), 100, 300, T);
                }
            }
            JsonNode st = FreezeTrials.status(f, n);
            assertThat(st.path("bfd")).hasSize(2).allSatisfy(s -> {
                assertThat(s.path("txIntervalMs").asLong()).isEqualTo(100);
                assertThat(s.path("detectMs").asLong()).isEqualTo(300);
                assertThat(s.path("local").asString()).isEqualTo(f.lab.nodeAddress(n));
            });
            JsonNode d = st.path("bfdDaemon");
            assertThat(d.path("connected").asBoolean()).isTrue();
            long agentPid = f.lab.agent(n).orElseThrow().pid();
            assertThat(d.path("pid").asLong()).as("bfdd is a process of its own").isPositive().isNotEqualTo(agentPid);
            assertThat(FreezeTrials.pids(f.lab.nodeNamespace(n))).as("bfdd runs in the node's namespace")
                    .contains(Long.toString(d.path("pid").asLong()));
            assertThat(f.metric(n, "viaduct_bfd_sessions{state=\"UP\"}")).isEqualTo(2);
            assertThat(f.metric(n, "viaduct_bfd_daemon_connected")).isEqualTo(1);
        }
        // bfdd's packets say it does not share fate with the node's control plane (RFC 5880 §4.1 C bit)
        try (PacketCapture c = PacketCapture.start(f.lab.nodeNamespace("n1"), "eth0",
                "udp and dst port 3784 and src host " + f.lab.nodeAddress("n1"))) {
            List<String> pkts = c.awaitPackets("a BFD packet from n1", 1, l -> l.contains("BFDv1"));
            assertThat(pkts.getFirst()).contains("State Up").contains("Control Plane Independent");
        }
    }

    @Test
    @Order(2)
    void killMinus9OfTheAgentLeavesBfdAndEveryRouteAlone() throws Exception {
        long bfdd = bfddPid("n1");
        String n1 = f.lab.nodeAddress("n1");
        String n2Change = FreezeTrials.bfdSession(f, "n2", n1).path("lastStateChange").asString();
        String n3Change = FreezeTrials.bfdSession(f, "n3", n1).path("lastStateChange").asString();
        double downsBefore = f.metric("n2", "viaduct_bfd_path_down_events_total") + f.metric("n3", "viaduct_bfd_path_down_events_total");
        List<NetlinkEvent> removed = new CopyOnWriteArrayList<>();
        try (NetNamespace ns = NetNamespace.openNamed(f.lab.nodeNamespace("n2"));
                NetlinkEvents ev = NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.IPV4_ROUTE), e -> {
                    if (e instanceof NetlinkEvent.RouteRemoved r && r.route().protocol().equals(RouteProtocol.VIADUCT)) {
                        removed.add(e);
                    }
                })) {
            f.lab.stopAgent("n1", true);
            // with the agent dead, its peers' sessions stay Up: bfdd still answers for the node
            assertThat(FreezeTrials.bfdUp(f, "n2", n1)).isTrue();
            f.lab.startAgent("n1");
            f.lab.awaitAgent("n1", Duration.ofSeconds(60));
            Poll.until("the restarted agent reconnects to the same bfdd", T, () -> bfddPid("n1") == bfdd);
        }
        assertThat(removed).as("routes removed on n2 while n1's agent restarted").isEmpty();
        assertThat(FreezeTrials.bfdSession(f, "n2", n1).path("lastStateChange").asString()).isEqualTo(n2Change);
        assertThat(FreezeTrials.bfdSession(f, "n3", n1).path("lastStateChange").asString()).isEqualTo(n3Change);
        assertThat(f.metric("n2", "viaduct_bfd_path_down_events_total") + f.metric("n3", "viaduct_bfd_path_down_events_total"))
                .isEqualTo(downsBefore);
        // the new agent sees the sessions the daemon kept
        JsonNode st = FreezeTrials.status(f, "n1");
        assertThat(st.path("bfd")).hasSize(2).allSatisfy(s -> assertThat(s.path("state").asString()).isEqualTo("UP"));
    }

    @Test
    @Order(3)
    void aFrozenNodesRoutesVanishEverywhereWithinTheDetectionTime() throws Exception {
        LabState.Pod from = f.lab.pods().stream().filter(p -> p.node().equals("n1")).findFirst().orElseThrow();
        LabState.Pod to = f.lab.pods().stream().filter(p -> p.node().equals("n3")).findFirst().orElseThrow();
        double downsBefore = f.metric("n1", "viaduct_bfd_path_down_events_total");
        // pods on n1 keep talking to n3's pod through every freeze (the scenario, not a check)
        Process ping = new ProcessBuilder("ip", "netns", "exec", from.namespace(), "fping", "-l", "-p", "50", "-q",
                to.ips().getFirst()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<Double> ms;
        try {
            ms = new FreezeTrials(f, "n3", List.of("n1", "n2")).run(20, T);
        } finally {
            ping.destroyForcibly();
        }
        System.out.println("BFD host-gw: SIGSTOP of n3 -> routes to its blocks gone on n1 and n2: " + FreezeTrials.summary(ms));
        assertThat(ms).hasSize(20);
        assertThat(f.metric("n1", "viaduct_bfd_path_down_events_total") - downsBefore).isEqualTo(20);
        assertThat(f.lab.ping(from, to.ips().getFirst(), 1)).as("n1's pod reaches n3's pod after the last thaw").isTrue();
    }

    @Test
    @Order(4)
    void aKilledBfddIsStartedAgainByTheAgent() throws Exception {
        long old = bfddPid("n2");
        ProcessHandle.of(old).orElseThrow().destroyForcibly();
        // its peers see n2 fail (a dead bfdd is indistinguishable from a dead node), the agent starts a new one,
        // and the sessions come back
        Poll.until("a new bfdd on n2", T, () -> {
            long p = bfddPid("n2");
            return p > 0 && p != old;
        });
        for (String peer : List.of("n1", "n3")) {
            Poll.until("n2's session with " + peer + " Up again", T, () -> FreezeTrials.bfdUp(f, "n2", f.lab.nodeAddress(peer))
                    && FreezeTrials.bfdUp(f, peer, f.lab.nodeAddress("n2")));
        }
        Poll.until("every pod reaches every other pod", T, () -> f.lab.pingMatrix().allOk());
    }
}
