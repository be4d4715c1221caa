package dev.viaduct.agent.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.route.Route;
import dev.viaduct.netlink.Nexthop;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.RouteScope;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class StatusJsonTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void theAgentUrlIsTheListenAddressOrTheNodeAddressWhenListeningEverywhere() {
        List<IpPrefix> addrs = List.of(IpPrefix.parse("10.168.0.11/24"));
        assertThat(StatusJson.agentUrl(Optional.of("10.168.0.11"), 9099, addrs)).contains("http://10.168.0.11:9099");
        assertThat(StatusJson.agentUrl(Optional.of("0.0.0.0"), 9099, addrs)).contains("http://10.168.0.11:9099");
        assertThat(StatusJson.agentUrl(Optional.of("::"), 9100, addrs)).contains("http://10.168.0.11:9100");
        assertThat(StatusJson.agentUrl(Optional.of("[fd00::5]"), 9099, addrs)).contains("http://[fd00::5]:9099");
        assertThat(StatusJson.agentUrl(Optional.of("127.0.0.1"), 9099, addrs)).contains("http://127.0.0.1:9099");
        assertThat(StatusJson.agentUrl(Optional.empty(), 9099, addrs)).isEmpty();
        assertThat(StatusJson.agentUrl(Optional.of("0.0.0.0"), 0, addrs)).isEmpty();
        assertThat(StatusJson.agentUrl(Optional.of("0.0.0.0"), 9099, List.of())).isEmpty();
    }

    @Test
    void aDesiredRouteCarriesTheAgentsProtocolAndItsSource() throws Exception {
        ObjectNode o = JSON.createObjectNode();
        StatusJson.desired(o, Route.via(IpPrefix.parse("10.244.1.0/26"), InetAddress.getByName("10.168.0.12"), "eth0"), 86, "hostgw");
        assertThat(o.toString()).isEqualTo("{\"destination\":\"10.244.1.0/26\",\"type\":\"unicast\",\"scope\":\"global\","
                + "\"table\":254,\"protocol\":86,\"metric\":0,\"nextHops\":[{\"gateway\":\"10.168.0.12\",\"device\":\"eth0\","
                + "\"onlink\":false}],\"text\":\"10.244.1.0/26 via 10.168.0.12 dev eth0\",\"source\":\"hostgw\"}");
        ObjectNode p = JSON.createObjectNode();
        StatusJson.desired(p, Route.direct(IpPrefix.parse("10.244.0.5/32"), "vdc0123456789a"), 86, "pods");
        assertThat(p.get("scope").asString()).isEqualTo("link");
        assertThat(p.get("text").asString()).isEqualTo("10.244.0.5 dev vdc0123456789a scope link");
    }

    @Test
    void aKernelRouteNamesItsDevicesProtocolAndFlags() throws Exception {
        var r = dev.viaduct.netlink.Route.to(IpPrefix.parse("10.244.2.0/26")).withProtocol(RouteProtocol.STATIC)
                .withNexthops(List.of(new Nexthop(InetAddress.getByName("10.244.2.0"), 7, Nexthop.ONLINK | Nexthop.LINKDOWN, 1)));
        ObjectNode o = JSON.createObjectNode();
        StatusJson.kernel(o, r, Map.of(7, "vxlan.viaduct"));
        assertThat(o.get("protocol").asInt()).isEqualTo(4);
        assertThat(o.get("nextHops").get(0).get("device").asString()).isEqualTo("vxlan.viaduct");
        assertThat(o.get("nextHops").get(0).get("onlink").asBoolean()).isTrue();
        assertThat(o.get("nextHops").get(0).get("linkDown").asBoolean()).isTrue();
        assertThat(o.get("text").asString()).isEqualTo("10.244.2.0/26 via 10.244.2.0 dev vxlan.viaduct onlink linkdown proto static");

        var bh = dev.viaduct.netlink.Route.blackhole(IpPrefix.parse("10.244.0.0/26")).withProtocol(RouteProtocol.VIADUCT);
        ObjectNode b = JSON.createObjectNode();
        StatusJson.kernel(b, bh, Map.of());
        assertThat(b.get("type").asString()).isEqualTo("blackhole");
        assertThat(b.get("text").asString()).isEqualTo("blackhole 10.244.0.0/26 proto viaduct");

        var link = dev.viaduct.netlink.Route.to(IpPrefix.parse("10.244.0.5/32")).withProtocol(RouteProtocol.VIADUCT)
                .withScope(RouteScope.LINK).withNexthops(List.of(Nexthop.device(9)));
        ObjectNode l = JSON.createObjectNode();
        StatusJson.kernel(l, link, Map.of());
        assertThat(l.get("text").asString()).isEqualTo("10.244.0.5 dev if9 proto viaduct scope link");
    }
}
