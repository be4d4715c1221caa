package dev.viaduct.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Handle;
import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.RouteProtocol;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
            long t0 = System.nanoTime();
            Fping ab = Fping.start(a.namespace(), b.ips().getFirst(), 800, 20, 500);
            Fping ba = Fping.start(b.namespace(), a.ips().getFirst(), 800, 20, 500);
            // traffic flowing both ways before the crash is part of the scenario (~1 s of it: 50 echoes a second each way)
            ab.awaitTraffic(100, Duration.ofSeconds(10));
            ba.awaitTraffic(100, Duration.ofSeconds(10));
            long killed = System.nanoTime();
            f.lab.stopAgent("n1", true);
            f.lab.startAgent("n1");
            f.lab.awaitAgent("n1", Duration.ofSeconds(60));
            double back = (System.nanoTime() - t0) / 1e6;
            System.out.printf("agent n1 back (CNI STATUS ok) %.1f s after kill -9%n", (System.nanoTime() - killed) / 1e9);
            Fping.Result r1 = ab.await(60);
            Fping.Result r2 = ba.await(60);
            System.out.printf("fping n1->n2 %d/%d, n2->n1 %d/%d (max RTT %.2f / %.2f ms)%n", r1.received(), r1.sent(), r2.received(),
                    r2.sent(), r1.maxRtt(), r2.maxRtt());
            String when = String.format("kill -9 at %.0f ms, agent ready at %.0f ms", (killed - t0) / 1e6, back);
            assertThat(r1.received()).as("echoes answered n1 pod -> n2 pod: %s; %s", r1.losses(t0), when).isEqualTo(800);
            assertThat(r2.received()).as("echoes answered n2 pod -> n1 pod: %s; %s", r2.losses(t0), when).isEqualTo(800);
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
