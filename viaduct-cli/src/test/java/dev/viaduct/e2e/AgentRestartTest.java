package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Handle;
import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.RouteProtocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kill -9 an agent and start it again while pods on different nodes ping each other: zero lost packets, no
 * route deleted or re-added (watched through the kernel's own route events), every pod keeps its address.
 */
@Tag("root")
class AgentRestartTest {
    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.up(s -> s.withNodes(2).withPodsPerNode(1));
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    /** fping's summary "addr : xmt/rcv/%loss = 500/500/0%" → {sent, received}. */
    static int[] summary(String out) {
        Matcher m = Pattern.compile("xmt/rcv/%loss = (\\d+)/(\\d+)/").matcher(out);
        assertThat(m.find()).as("fping summary in: %s", out).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    Process fping(LabState.Pod from, LabState.Pod to, int count) throws Exception {
        return new ProcessBuilder("ip", "netns", "exec", from.namespace(), "fping", "-c", Integer.toString(count), "-p", "20",
                "-t", "500", "-q", to.ips().getFirst()).redirectErrorStream(true).start();
    }

    @Test
    void killMinus9AndRestartLosesNoPacketAndChurnsNoRoute() throws Exception {
        LabState.Pod a = f.lab.pods().stream().filter(p -> p.node().equals("n1")).findFirst().orElseThrow();
        LabState.Pod b = f.lab.pods().stream().filter(p -> p.node().equals("n2")).findFirst().orElseThrow();
        List<Handle> handlesBefore = f.ipam.handles();
        List<String> routesBefore = f.lab.routes("n1");

        List<NetlinkEvent> churn = new CopyOnWriteArrayList<>();
        try (NetNamespace ns = NetNamespace.openNamed(f.lab.nodeNamespace("n1"));
                NetlinkEvents ev = NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.IPV4_ROUTE, NetlinkEvents.Group.LINK), e -> {
                    switch (e) {
                        case NetlinkEvent.RouteAdded r when r.route().protocol().equals(RouteProtocol.VIADUCT) -> churn.add(e);
                        case NetlinkEvent.RouteRemoved r when r.route().protocol().equals(RouteProtocol.VIADUCT) -> churn.add(e);
                        case NetlinkEvent.LinkRemoved l -> churn.add(e);
                        default -> {
                        }
                    }
                })) {
            // 20 ms apart for ~16 s, both directions, across the restart
            Process ab = fping(a, b, 800);
            Process ba = fping(b, a, 800);
            Thread.sleep(1000); // traffic before the crash: part of the scenario, not synchronisation
            long t0 = System.nanoTime();
            f.lab.stopAgent("n1", true);
            f.lab.startAgent("n1");
            f.lab.awaitAgent("n1", Duration.ofSeconds(60));
            System.out.printf("agent n1 back (CNI STATUS ok) %.1f s after kill -9%n", (System.nanoTime() - t0) / 1e9);
            assertThat(ab.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(ba.waitFor(60, TimeUnit.SECONDS)).isTrue();
            int[] s1 = summary(new String(ab.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            int[] s2 = summary(new String(ba.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            System.out.printf("fping n1->n2 %d/%d, n2->n1 %d/%d%n", s1[1], s1[0], s2[1], s2[0]);
            assertThat(s1[1]).as("echoes answered n1 pod -> n2 pod").isEqualTo(s1[0]).isEqualTo(800);
            assertThat(s2[1]).as("echoes answered n2 pod -> n1 pod").isEqualTo(s2[0]).isEqualTo(800);
        }
        assertThat(churn).as("route/link events in n1 during the restart").isEmpty();
        assertThat(f.lab.routes("n1")).isEqualTo(routesBefore);
        assertThat(f.ipam.handles()).extracting(Handle::id, Handle::addresses)
                .containsExactlyInAnyOrderElementsOf(handlesBefore.stream()
                        .map(h -> org.assertj.core.groups.Tuple.tuple(h.id(), h.addresses())).toList());
        String addr = f.lab.ping(a, b.ips().getFirst(), 1) ? "ok" : "lost";
        assertThat(addr).isEqualTo("ok");
    }
}
