package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Typed notifications of changes made by someone else ({@code ip}), and the resync signal when some are lost. */
@Tag("root")
class EventsKernelTest extends KernelTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private <T extends NetlinkEvent> T await(LinkedBlockingQueue<NetlinkEvent> q, Class<T> type,
            Predicate<T> match, String what) {
        List<NetlinkEvent> seen = new ArrayList<>();
        return type.cast(Poll.until(what, WAIT, () -> {
            q.drainTo(seen);
            return seen.stream().filter(type::isInstance).map(type::cast).filter(match).findFirst().orElse(null);
        }, Objects::nonNull));
    }

    @Test
    void reportsRouteLinkAndAddressChangesMadeBySomeoneElse() {
        LinkedBlockingQueue<NetlinkEvent> q = new LinkedBlockingQueue<>();
        try (NetlinkEvents events = NetlinkEvents.subscribe(handle, Set.of(NetlinkEvents.Group.LINK,
                NetlinkEvents.Group.IPV4_ROUTE, NetlinkEvents.Group.IPV6_ROUTE, NetlinkEvents.Group.IPV4_ADDRESS,
                NetlinkEvents.Group.NEIGHBOUR), q::add)) {
            assertThat(events).isNotNull();
            Route ours = Route.to(IpPrefix.parse("10.244.3.0/24")).withGateway(ip("10.1.0.2")).withProtocol(RouteProtocol.VIADUCT);
            rtnl.addRoute(ours);
            assertThat(await(q, NetlinkEvent.RouteAdded.class, e -> e.route().destination().equals(ours.destination()),
                    "RTM_NEWROUTE for our route").route()).isEqualTo(ours.withDevice(r0));

            Ip.run(ns, "route", "del", "10.244.3.0/24");
            NetlinkEvent.RouteRemoved removed = await(q, NetlinkEvent.RouteRemoved.class,
                    e -> e.route().destination().equals(ours.destination()), "RTM_DELROUTE after ip route del");
            assertThat(removed.route().protocol()).as("the agent can tell it was one of its own").isEqualTo(RouteProtocol.VIADUCT);

            Ip.run(ns, "-6", "route", "add", "fd00:99::/64", "via", "fd00:1::2");
            assertThat(await(q, NetlinkEvent.RouteAdded.class, e -> e.route().family() == AddressFamily.INET6
                    && e.route().destination().equals(IpPrefix.parse("fd00:99::/64")), "IPv6 RTM_NEWROUTE").route().gateway())
                    .isEqualTo(ip("fd00:1::2"));

            Ip.run(ns, "addr", "add", "10.77.0.1/32", "dev", "r1");
            assertThat(await(q, NetlinkEvent.AddressAdded.class, e -> e.address().address().equals(IpPrefix.parse("10.77.0.1/32")),
                    "RTM_NEWADDR").address().ifindex()).isEqualTo(r1);

            Ip.run(ns, "neigh", "add", "10.1.0.77", "lladdr", "02:00:00:00:00:77", "dev", "r0", "nud", "permanent");
            assertThat(await(q, NetlinkEvent.NeighbourChanged.class, e -> ip("10.1.0.77").equals(e.neighbour().destination()),
                    "RTM_NEWNEIGH").neighbour().isPermanent()).isTrue();

            Ip.run(ns, "link", "del", "r1");
            assertThat(await(q, NetlinkEvent.LinkRemoved.class, e -> e.link().index() == r1, "RTM_DELLINK").link().name())
                    .isEqualTo("r1");
        }
    }

    @Test
    void anOverrunReceiveBufferBecomesResyncNeeded() throws Exception {
        LinkedBlockingQueue<NetlinkEvent> q = new LinkedBlockingQueue<>();
        CountDownLatch release = new CountDownLatch(1);
        // A consumer stuck on its first event and a tiny buffer: the kernel must drop notifications.
        try (NetlinkEvents events = NetlinkEvents.subscribe(handle, Set.of(NetlinkEvents.Group.IPV4_ROUTE), 4096, e -> {
            q.add(e);
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
        })) {
            assertThat(events).isNotNull();
            List<Request> adds = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                adds.add(new Request.AddRoute(Route.to(IpPrefix.parse("10.200." + (i >> 8) + "." + (i & 255) + "/32"))
                        .withDevice(r0).withScope(RouteScope.LINK).withProtocol(RouteProtocol.VIADUCT)));
            }
            assertThat(rtnl.execute(adds).allSucceeded()).isTrue();
            release.countDown();
            NetlinkEvent.ResyncNeeded resync = await(q, NetlinkEvent.ResyncNeeded.class, e -> true, "ResyncNeeded after ENOBUFS");
            assertThat(resync.reason()).contains("ENOBUFS");
        }
    }

    @Test
    void closingFromTheConsumerItselfStopsTheSubscription() {
        java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
        NetlinkEvents[] self = new NetlinkEvents[1];
        self[0] = NetlinkEvents.subscribe(handle, Set.of(NetlinkEvents.Group.LINK), e -> {
            delivered.incrementAndGet();
            self[0].close();
        });
        Ip.run(ns, "link", "set", "r0", "mtu", "1400");
        Poll.until("the first link event", WAIT, () -> delivered.get() > 0);
        Poll.until("reader thread gone", WAIT, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("netlink-events") && t.getName().contains(ns)));
        Ip.run(ns, "link", "set", "r0", "mtu", "1300");
        assertThat(delivered.get()).as("nothing after close").isEqualTo(1);
        self[0].close();
    }
}
