package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The {@code ip route}-style text of a kernel route: what agent status, {@code viaduct ctl} and the lab show. */
class RouteTextTest {
    static final IntFunction<String> NAMES = i -> Map.of(2, "eth0", 7, "vxlan.viaduct", 9, "vdc0123456789a").getOrDefault(i, "if" + i);

    @Test
    void remoteBlockHostRouteAndBlackholeReadLikeIpRoute() {
        Route block = Route.to(IpPrefix.parse("10.244.1.0/26")).withGateway(IpAddresses.parse("10.168.0.12")).withDevice(2)
                .withProtocol(RouteProtocol.VIADUCT);
        assertThat(block.text(NAMES)).isEqualTo("10.244.1.0/26 via 10.168.0.12 dev eth0 proto viaduct");
        Route pod = Route.to(IpPrefix.parse("10.244.0.5/32")).withDevice(9).withScope(RouteScope.LINK)
                .withProtocol(RouteProtocol.VIADUCT);
        assertThat(pod.text(NAMES)).isEqualTo("10.244.0.5 dev vdc0123456789a proto viaduct scope link");
        assertThat(Route.blackhole(IpPrefix.parse("10.244.0.0/26")).withProtocol(RouteProtocol.VIADUCT).text(NAMES))
                .isEqualTo("blackhole 10.244.0.0/26 proto viaduct");
    }

    @Test
    void defaultsAreLeftOutAndTheRestFollowsTheNexthops() {
        Route boot = Route.to(IpPrefix.parse("fd00:1::/64")).withGateway(IpAddresses.parse("fd00::1")).withDevice(2);
        assertThat(boot.text(NAMES)).isEqualTo("fd00:1::/64 via fd00::1 dev eth0");
        Route all = boot.withTable(100).withProtocol(RouteProtocol.STATIC).withScope(RouteScope.LINK)
                .withPreferredSource(IpAddresses.parse("fd00::2")).withMetric(1024);
        assertThat(all.text(NAMES)).isEqualTo("fd00:1::/64 via fd00::1 dev eth0 table 100 proto static scope link src fd00::2 metric 1024");
    }

    @Test
    void everyPathOfAnEcmpRouteCarriesItsFlagsAndAnUnknownDeviceKeepsItsIndex() {
        Route ecmp = Route.to(IpPrefix.parse("10.244.2.0/26")).withProtocol(RouteProtocol.VIADUCT).withNexthops(List.of(
                Nexthop.via(IpAddresses.parse("10.244.2.0"), 7).withFlags(Nexthop.ONLINK | Nexthop.LINKDOWN | Nexthop.DEAD),
                Nexthop.via(IpAddresses.parse("10.168.0.13"), 3).withWeight(2)));
        assertThat(ecmp.text(NAMES)).isEqualTo("10.244.2.0/26 nexthop via 10.244.2.0 dev vxlan.viaduct dead onlink linkdown"
                + " nexthop via 10.168.0.13 dev if3 weight 2 proto viaduct");
    }

    @Test
    void toStringIsTheOperationTextWithDeviceIndexes() {
        Route pod = Route.to(IpPrefix.parse("10.244.0.5/32")).withDevice(9).withScope(RouteScope.LINK);
        assertThat(pod).hasToString("10.244.0.5/32 dev #9 scope link");
    }
}
