package dev.viaduct.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.netlink.IpPrefix;
import dev.viaduct.netlink.Nexthop;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.RouteScope;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTextTest {
    static final Map<Integer, String> NAMES = Map.of(2, "eth0", 7, "vxlan.viaduct");

    static Route viaduct(String destination) {
        return Route.to(IpPrefix.parse(destination)).withProtocol(RouteProtocol.VIADUCT);
    }

    static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    @Test
    void blockViaANodeIsPrintedAsIpRouteDoes() {
        Route r = viaduct("10.244.1.0/26").withNexthops(List.of(Nexthop.via(ip("10.168.0.12"), 2)));
        assertThat(RouteText.format(r, NAMES)).isEqualTo("10.244.1.0/26 via 10.168.0.12 dev eth0 proto viaduct");
    }

    @Test
    void aHostRouteDropsItsPrefixLengthAndShowsScopeLink() {
        Route r = viaduct("10.244.1.5/32").withNexthops(List.of(Nexthop.device(2))).withScope(RouteScope.LINK);
        assertThat(RouteText.format(r, NAMES)).isEqualTo("10.244.1.5 dev eth0 proto viaduct scope link");
    }

    @Test
    void blackholeAndUnreachableCarryTheirTypeAndNoNexthop() {
        assertThat(RouteText.format(Route.blackhole(IpPrefix.parse("10.244.1.0/26")).withProtocol(RouteProtocol.VIADUCT), NAMES))
                .isEqualTo("blackhole 10.244.1.0/26 proto viaduct");
        assertThat(RouteText.format(Route.unreachable(IpPrefix.parse("10.9.0.0/16")), NAMES))
                .isEqualTo("unreachable 10.9.0.0/16 proto boot");
    }

    @Test
    void multipathListsEveryNexthop() {
        Route r = viaduct("10.244.2.0/26").withNexthops(List.of(Nexthop.via(ip("10.168.0.12"), 2), Nexthop.via(ip("10.168.0.13"), 2)));
        assertThat(RouteText.format(r, NAMES))
                .isEqualTo("10.244.2.0/26 nexthop via 10.168.0.12 dev eth0 nexthop via 10.168.0.13 dev eth0 proto viaduct");
    }

    @Test
    void aTunnelRouteIsOnlinkAndAnUnknownDeviceIsNamedByIndex() {
        Route tunnel = viaduct("10.244.3.0/26").withNexthops(List.of(Nexthop.via(ip("10.244.3.0"), 7).onlink()));
        assertThat(RouteText.format(tunnel, NAMES)).isEqualTo("10.244.3.0/26 via 10.244.3.0 dev vxlan.viaduct onlink proto viaduct");
        Route unknown = viaduct("10.244.4.0/26").withNexthops(List.of(Nexthop.device(42)));
        assertThat(RouteText.format(unknown, NAMES)).isEqualTo("10.244.4.0/26 dev if42 proto viaduct");
    }

    @Test
    void aForeignProtocolIsNamedAsTheKernelNamesIt() {
        Route r = Route.to(IpPrefix.parse("0.0.0.0/0")).withNexthops(List.of(Nexthop.via(ip("10.168.0.1"), 2)))
                .withProtocol(RouteProtocol.BIRD);
        assertThat(RouteText.format(r, NAMES)).isEqualTo("0.0.0.0/0 via 10.168.0.1 dev eth0 proto bird");
    }
}
