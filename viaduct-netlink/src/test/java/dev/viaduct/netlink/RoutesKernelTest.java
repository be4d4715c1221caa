package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Routes in any table, every attribute the agent uses, read back through the library and with {@code ip -j route}. */
@Tag("root")
class RoutesKernelTest extends KernelTestBase {
    private static final RouteProtocol OURS = RouteProtocol.VIADUCT;

    private JsonNode ipRoute(String family, String table, String dst) {
        JsonNode all = Ip.json(ns, family, "route", "show", "table", table);
        for (JsonNode r : all) {
            if (r.get("dst").asString().equals(dst)) {
                return r;
            }
        }
        return null;
    }

    private Route ours(AddressFamily f, int table, IpPrefix dst) {
        return rtnl.routes(f, table, OURS).stream().filter(r -> r.destination().equals(dst)).findFirst().orElse(null);
    }

    @Test
    void addsAGatewayRouteWithOurProtocolAndFindsItByProtocolAndTable() {
        Route r = Route.to(IpPrefix.parse("10.244.1.0/24")).withGateway(ip("10.1.0.2")).withProtocol(OURS);
        rtnl.addRoute(r);

        Route read = ours(AddressFamily.INET, Route.MAIN, r.destination());
        assertThat(read).isEqualTo(r.withDevice(r0));
        assertThat(rtnl.routes(AddressFamily.INET, Route.MAIN, OURS)).containsExactly(read);
        assertThat(rtnl.routes(AddressFamily.INET, Route.MAIN, RouteProtocol.KERNEL)).doesNotContain(read)
                .extracting(Route::destination).contains(IpPrefix.parse("10.1.0.0/24"));

        JsonNode ip = ipRoute("-4", "main", "10.244.1.0/24");
        assertThat(ip.get("gateway").asString()).isEqualTo("10.1.0.2");
        assertThat(ip.get("dev").asString()).isEqualTo("r0");
        assertThat(ip.get("protocol").asString()).isEqualTo("86");
    }

    @Test
    void addsTheHostSideOfAPod() {
        // podIP/32 dev vdcXXX scope link proto ours, with a preferred source and a metric
        Route r = Route.to(IpPrefix.parse("10.244.0.7/32")).withDevice(r1).withScope(RouteScope.LINK).withProtocol(OURS)
                .withPreferredSource(ip("10.2.0.1")).withMetric(42);
        rtnl.addRoute(r);
        assertThat(ours(AddressFamily.INET, Route.MAIN, r.destination())).isEqualTo(r);
        JsonNode ip = ipRoute("-4", "main", "10.244.0.7");
        assertThat(ip.get("dev").asString()).isEqualTo("r1");
        assertThat(ip.get("scope").asString()).isEqualTo("link");
        assertThat(ip.get("prefsrc").asString()).isEqualTo("10.2.0.1");
        assertThat(ip.get("metric").asInt()).isEqualTo(42);
        assertThat(ip.has("gateway")).isFalse();
    }

    @Test
    void addsAnOnlinkRouteViaAGatewayOutsideEverySubnet() {
        // the overlay's "via X dev vxlan onlink": X is not covered by any route on the device
        Route r = Route.to(IpPrefix.parse("10.244.2.0/24")).withGateway(ip("10.244.2.0")).withDevice(r1).withOnlink()
                .withProtocol(OURS);
        rtnl.addRoute(r);
        Route read = ours(AddressFamily.INET, Route.MAIN, r.destination());
        assertThat(read.nexthops().getFirst().has(Nexthop.ONLINK)).isTrue();
        assertThat(read).isEqualTo(r);
        JsonNode ip = ipRoute("-4", "main", "10.244.2.0/24");
        assertThat(ip.get("flags").valueStream().map(JsonNode::asString)).contains("onlink");
        assertThat(ip.get("gateway").asString()).isEqualTo("10.244.2.0");
    }

    @Test
    void usesAnyTableIncludingOnesAbove255() {
        Route low = Route.to(IpPrefix.parse("10.50.0.0/16")).withGateway(ip("10.1.0.2")).withProtocol(OURS).withTable(100);
        Route high = Route.to(IpPrefix.parse("10.51.0.0/16")).withGateway(ip("10.1.0.3")).withProtocol(OURS).withTable(1000);
        rtnl.addRoute(low);
        rtnl.addRoute(high);
        assertThat(rtnl.routes(AddressFamily.INET, 100, OURS)).containsExactly(low.withDevice(r0));
        assertThat(rtnl.routes(AddressFamily.INET, 1000, OURS)).containsExactly(high.withDevice(r0));
        assertThat(rtnl.routes(AddressFamily.INET, Route.MAIN, OURS)).isEmpty();
        assertThat(rtnl.routes(AddressFamily.INET, 0, OURS)).extracting(Route::table).containsExactlyInAnyOrder(100, 1000);
        assertThat(rtnl.routes(AddressFamily.INET, 4242, null)).as("a table that does not exist is empty").isEmpty();
        assertThat(ipRoute("-4", "100", "10.50.0.0/16").get("gateway").asString()).isEqualTo("10.1.0.2");
        assertThat(ipRoute("-4", "1000", "10.51.0.0/16").get("gateway").asString()).isEqualTo("10.1.0.3");
        assertThat(ipRoute("-4", "main", "10.50.0.0/16")).isNull();
    }

    @Test
    void addsBlackholeAndUnreachableRoutes() {
        Route bh = Route.blackhole(IpPrefix.parse("10.244.0.0/16")).withProtocol(OURS);
        Route un = Route.unreachable(IpPrefix.parse("fd00:244::/48")).withProtocol(OURS);
        rtnl.addRoute(bh);
        rtnl.addRoute(un);
        assertThat(ours(AddressFamily.INET, Route.MAIN, bh.destination())).isEqualTo(bh);
        Route readUn = ours(AddressFamily.INET6, Route.MAIN, un.destination());
        assertThat(readUn.type()).isEqualTo(RouteType.UNREACHABLE);
        assertThat(readUn.nexthops()).isEmpty();
        assertThat(ipRoute("-4", "main", "10.244.0.0/16").get("type").asString()).isEqualTo("blackhole");
        assertThat(ipRoute("-6", "main", "fd00:244::/48").get("type").asString()).isEqualTo("unreachable");
    }

    @Test
    void addsEcmpRoutesWithWeightsForBothFamilies() {
        Route v4 = Route.to(IpPrefix.parse("10.60.0.0/16")).withProtocol(OURS).withNexthops(List.of(
                Nexthop.via(ip("10.1.0.2"), r0), Nexthop.via(ip("10.2.0.2"), r1).withWeight(3)));
        Route v6 = Route.to(IpPrefix.parse("fd00:60::/64")).withProtocol(OURS).withNexthops(List.of(
                Nexthop.via(ip("fd00:1::2"), r0), Nexthop.via(ip("fd00:2::2"), r1)));
        rtnl.addRoute(v4);
        rtnl.addRoute(v6);

        assertThat(ours(AddressFamily.INET, Route.MAIN, v4.destination())).isEqualTo(v4);
        Route readV6 = ours(AddressFamily.INET6, Route.MAIN, v6.destination());
        assertThat(readV6.nexthops()).extracting(Nexthop::gateway).containsExactlyInAnyOrder(ip("fd00:1::2"), ip("fd00:2::2"));
        assertThat(readV6.nexthops()).extracting(Nexthop::ifindex).containsExactlyInAnyOrder(r0, r1);

        JsonNode ip4 = ipRoute("-4", "main", "10.60.0.0/16");
        assertThat(ip4.get("nexthops").valueStream().map(n -> n.get("gateway").asString() + "/" + n.get("dev").asString()
                + "/" + n.get("weight").asInt())).containsExactlyInAnyOrder("10.1.0.2/r0/1", "10.2.0.2/r1/3");
        JsonNode ip6 = ipRoute("-6", "main", "fd00:60::/64");
        assertThat(ip6.get("nexthops").valueStream().map(n -> n.get("gateway").asString()))
                .containsExactlyInAnyOrder("fd00:1::2", "fd00:2::2");
    }

    @Test
    void replacesAndDeletesRoutesOfBothFamilies() {
        Route v4 = Route.to(IpPrefix.parse("10.70.0.0/16")).withGateway(ip("10.1.0.2")).withProtocol(OURS);
        Route v6 = Route.to(IpPrefix.parse("fd00:70::/64")).withGateway(ip("fd00:1::2")).withProtocol(OURS);
        rtnl.addRoute(v4);
        rtnl.addRoute(v6);
        rtnl.replaceRoute(v4.withGateway(ip("10.2.0.2")));
        rtnl.replaceRoute(v6.withGateway(ip("fd00:2::2")));
        assertThat(ours(AddressFamily.INET, Route.MAIN, v4.destination()).gateway()).isEqualTo(ip("10.2.0.2"));
        assertThat(ours(AddressFamily.INET6, Route.MAIN, v6.destination()).gateway()).isEqualTo(ip("fd00:2::2"));
        assertThat(ipRoute("-4", "main", "10.70.0.0/16").get("gateway").asString()).isEqualTo("10.2.0.2");
        assertThat(ipRoute("-6", "main", "fd00:70::/64").get("gateway").asString()).isEqualTo("fd00:2::2");
        assertThat(ipRoute("-6", "main", "fd00:70::/64").get("dev").asString()).isEqualTo("r1");

        Route readV6 = ours(AddressFamily.INET6, Route.MAIN, v6.destination());
        rtnl.deleteRoute(ours(AddressFamily.INET, Route.MAIN, v4.destination()));
        rtnl.deleteRoute(readV6);
        assertThat(rtnl.routes(AddressFamily.INET, 0, OURS)).isEmpty();
        assertThat(rtnl.routes(AddressFamily.INET6, 0, OURS)).isEmpty();
        assertThat(ipRoute("-4", "main", "10.70.0.0/16")).isNull();
        assertThat(ipRoute("-6", "main", "fd00:70::/64")).isNull();
    }

    @Test
    void deletingWithOurProtocolNeverTouchesAForeignRoute() {
        Ip.run(ns, "route", "add", "10.80.0.0/16", "via", "10.1.0.2", "proto", "static");
        assertThatThrownBy(() -> rtnl.deleteRoute(Route.to(IpPrefix.parse("10.80.0.0/16")).withProtocol(OURS)))
                .isInstanceOf(NetlinkException.NotFound.class);
        assertThat(ipRoute("-4", "main", "10.80.0.0/16")).isNotNull();
    }

    @Test
    void errorsNameTheRequestTheErrnoAndTheKernelsReason() {
        Route r = Route.to(IpPrefix.parse("10.244.1.0/24")).withGateway(ip("10.1.0.3")).withProtocol(OURS);
        rtnl.addRoute(r);
        assertThatThrownBy(() -> rtnl.addRoute(r)).isInstanceOf(NetlinkException.AlreadyExists.class)
                .hasMessage("route add 10.244.1.0/24 via 10.1.0.3 proto viaduct: File exists (EEXIST)");

        NetlinkException badGateway = catchThrowableOfType(NetlinkException.class, () -> rtnl.addRoute(
                Route.to(IpPrefix.parse("10.99.0.0/16")).withGateway(ip("10.168.0.3")).withProtocol(OURS)));
        assertThat(badGateway.errnoName()).isEqualTo("ENETUNREACH");
        assertThat(badGateway.kernelMessage()).isEqualTo("Nexthop has invalid gateway");
        assertThat(badGateway.getMessage()).isEqualTo("route add 10.99.0.0/16 via 10.168.0.3 proto viaduct: "
                + "Network is unreachable (ENETUNREACH; kernel: Nexthop has invalid gateway)");

        NetlinkException noDevice = catchThrowableOfType(NetlinkException.NotFound.class, () -> rtnl.addRoute(
                Route.to(IpPrefix.parse("10.98.0.0/16")).withDevice(987654).withScope(RouteScope.LINK)));
        assertThat(noDevice.errnoName()).isEqualTo("ENODEV");

        NetlinkException hostBits = catchThrowableOfType(NetlinkException.class, () -> rtnl.addRoute(
                Route.to(IpPrefix.parse("10.97.0.1/16")).withGateway(ip("10.1.0.2"))));
        assertThat(hostBits.errnoName()).isEqualTo("EINVAL");
        assertThat(hostBits.kernelMessage()).containsIgnoringCase("prefix");

        NetlinkException absent = catchThrowableOfType(NetlinkException.NotFound.class,
                () -> rtnl.deleteRoute(Route.to(IpPrefix.parse("10.96.0.0/16")).withProtocol(OURS)));
        assertThat(absent.errnoName()).isEqualTo("ESRCH");

        assertThat(rtnl.routes(AddressFamily.INET, Route.MAIN, OURS)).containsExactly(r.withDevice(r0));
        assertThat(Ip.json(ns, "-4", "route", "show", "proto", "86").size()).isEqualTo(1);
    }

    @Test
    void aBatchReportsEveryRequestsOwnOutcome() {
        List<Request> batch = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            batch.add(new Request.AddRoute(Route.to(IpPrefix.parse("10.100." + (i >> 8) + "." + (i & 255) + "/32"))
                    .withDevice(r0).withScope(RouteScope.LINK).withProtocol(OURS)));
        }
        int dup = 1234;
        int bad = 2500;
        batch.add(dup, batch.get(0));
        batch.add(bad, new Request.AddRoute(Route.to(IpPrefix.parse("10.101.0.0/16")).withGateway(ip("10.168.0.3"))
                .withProtocol(OURS)));
        assertThat(batch.size()).as("more than one sendmsg").isGreaterThan(rtnl.maxBatch());

        BatchResult result = rtnl.execute(batch);

        assertThat(result.failures()).hasSize(2);
        assertThat(result.error(dup)).isInstanceOf(NetlinkException.AlreadyExists.class)
                .hasMessageStartingWith("route add 10.100.0.0/32 dev #" + r0);
        assertThat(result.error(bad).errnoName()).isEqualTo("ENETUNREACH");
        assertThat(result.error(bad).operation()).isEqualTo("route add 10.101.0.0/16 via 10.168.0.3 proto viaduct");
        assertThat(rtnl.routes(AddressFamily.INET, Route.MAIN, OURS)).hasSize(3000);
        assertThat(Ip.json(ns, "-4", "route", "show", "proto", "86").size()).isEqualTo(3000);
        assertThatThrownBy(result::orThrow).isInstanceOf(NetlinkException.AlreadyExists.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));

        List<Request> deletes = rtnl.routes(AddressFamily.INET, Route.MAIN, OURS).stream()
                .map(r -> (Request) new Request.DeleteRoute(r)).toList();
        assertThat(rtnl.execute(deletes).allSucceeded()).isTrue();
        assertThat(Ip.json(ns, "-4", "route", "show", "proto", "86").size()).isZero();
    }

    @Test
    void aDumpOfEveryTableIncludesLocalRoutes() {
        assertThat(rtnl.routes(AddressFamily.INET)).anySatisfy(r -> {
            assertThat(r.table()).isEqualTo(Route.LOCAL);
            assertThat(r.type()).isEqualTo(RouteType.LOCAL);
            assertThat(r.destination()).isEqualTo(IpPrefix.parse("10.1.0.1/32"));
        });
    }
}
