package dev.viaduct.agent.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The route table's events in a throw-away namespace, devices changed with {@code ip}: which link changes ask
 * the reconciler for a dump and which only for a pass, and route events naming their devices right.
 */
@Tag("root")
class NetlinkRouteTableKernelTest {
    static final Duration T = Duration.ofSeconds(10);

    @RegisterExtension
    final Netns netns = Netns.perTest();
    String ns;

    @BeforeEach
    void namespace() {
        Netns.requireRoot();
        ns = netns.create("rtable");
    }

    @Test
    void aDeviceComingUpIsLinkUpWhileDownRenamedOrGoneIsLinksChangedAndRouteEventsNameTheirDevice() throws Exception {
        List<RouteTable.Event> events = new CopyOnWriteArrayList<>();
        try (NetNamespace n = NetNamespace.openNamed(ns); NetlinkRouteTable table = new NetlinkRouteTable(n, 86);
                AutoCloseable sub = table.subscribe(events::add)) {
            netns.execOk(ns, "ip", "link", "add", "vdc1", "type", "veth", "peer", "name", "vdc1p");
            netns.execOk(ns, "ip", "link", "set", "vdc1p", "up");
            netns.execOk(ns, "ip", "link", "set", "vdc1", "up");
            Poll.until("the new device's events", T, () -> events.stream().anyMatch(e -> e instanceof RouteTable.Event.LinkAppeared));
            assertThat(events).noneMatch(e -> e instanceof RouteTable.Event.LinksChanged);

            Route pod = Route.direct(IpPrefix.parse("10.244.0.7/32"), "vdc1");
            assertThat(table.apply(List.of(new RouteTable.Change(RouteTable.Op.ADD, pod)))).containsExactly(new RouteTable.Outcome.Done());
            Poll.until("our route's event, named by device", T, () -> events.stream()
                    .anyMatch(e -> e instanceof RouteTable.Event.Added a && a.route().sameAs(pod)));

            netns.execOk(ns, "ip", "link", "set", "vdc1", "down");
            Poll.until("down: the kernel flushed the route silently, a dump is due", T,
                    () -> events.stream().anyMatch(e -> e instanceof RouteTable.Event.LinksChanged));

            events.clear();
            netns.execOk(ns, "ip", "link", "set", "vdc1", "name", "vdc2", "up");
            Poll.until("renamed", T, () -> events.stream().anyMatch(e -> e instanceof RouteTable.Event.LinksChanged));

            events.clear();
            netns.execOk(ns, "ip", "link", "del", "vdc2");
            Poll.until("gone", T, () -> events.stream().anyMatch(e -> e instanceof RouteTable.Event.LinksChanged));
        }
    }
}
