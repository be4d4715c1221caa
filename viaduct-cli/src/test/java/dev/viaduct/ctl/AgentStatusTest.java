package dev.viaduct.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AgentStatusTest {
    static String resource(String name) throws IOException {
        try (InputStream in = AgentStatusTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theBgpPeersContractDecodes() throws IOException {
        AgentStatus s = AgentStatus.parse(resource("status-bgp.json"), "test");
        assertThat(s.node()).isEqualTo("n2");
        assertThat(s.mode()).isEqualTo("bgp");
        assertThat(s.peers()).extracting(AgentStatus.Peer::name, AgentStatus.Peer::state, AgentStatus.Peer::established)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("n1", "Established", true),
                        org.assertj.core.groups.Tuple.tuple("tor", "Active", false));
        assertThat(s.peers().getFirst().uptimeSeconds()).isEqualTo(3725);
        assertThat(s.peers().get(1).lastError()).isEqualTo("connect: connection refused");
    }

    @Test
    void aRealAgentsStatusDecodes() throws IOException {
        // captured from a lab agent (n1 of a 3-node host-gw lab with 2 pods per node)
        AgentStatus s = AgentStatus.parse(resource("status-hostgw-lab.json"), "test");
        assertThat(s.ready()).isTrue();
        assertThat(s.routeProtocol()).isEqualTo(86);
        assertThat(s.desired()).isNotEmpty();
        assertThat(s.kernel()).anyMatch(r -> r.protocol() == 2); // the connected subnet, proto kernel
        assertThat(s.endpoints()).hasSize(2);
        RouteComparison c = RouteComparison.of(s);
        assertThat(c.differences()).isZero();
        assertThat(c.rows()).hasSize(s.desired().size());
    }

    @Test
    void errorsNameTheFieldAndTheAgent() {
        assertThatThrownBy(() -> AgentStatus.parse("{\"node\":\"n1\",\"kernelRoutes\":[{\"destination\":\"10.0.0.0/8\"},"
                + "{\"destination\":\"nonsense\"}]}", "http://x:9099"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("status from http://x:9099: kernelRoutes[1].destination: 'nonsense' is not an IP address");
        assertThatThrownBy(() -> AgentStatus.parse("{\"node\":\"n1\",\"peers\":[{\"address\":\"10.0.0.1\"}]}", "a"))
                .hasMessage("status from a: peers[0].state: missing");
        assertThatThrownBy(() -> AgentStatus.parse("{\"mode\":\"host-gw\"}", "a")).hasMessage("status from a: node: missing");
        assertThatThrownBy(() -> AgentStatus.parse("<html>", "a")).hasMessageStartingWith("status from a is not JSON");
        assertThatThrownBy(() -> AgentStatus.parse("[1]", "a")).hasMessage("status from a is not a JSON object");
        assertThatThrownBy(() -> AgentStatus.parse("{\"node\":\"n1\",\"desiredRoutes\":[{\"destination\":\"10.0.0.0/8\","
                + "\"nextHops\":[{\"gateway\":7}]}]}", "a")).hasMessage("status from a: desiredRoutes[0].nextHops[0].gateway:"
                        + " expected a string, got number");
    }

    @Test
    void longestMatchPrefersTheMostSpecificThenTheLowestMetric() {
        var wide = Fixtures.via("10.244.0.0/16", "10.0.0.1", "eth0", 4);
        var block = Fixtures.via("10.244.3.0/26", "10.0.0.3", "eth0", 86);
        var worse = new AgentStatus.Route(block.destination(), "unicast", "global", 254, 4, 100, block.nextHops(), "", "");
        assertThat(AgentStatus.longestMatch(java.util.List.of(wide, worse, block), Fixtures.ip("10.244.3.7"))).contains(block);
        assertThat(AgentStatus.longestMatch(java.util.List.of(wide, block), Fixtures.ip("10.244.4.1"))).contains(wide);
        assertThat(AgentStatus.longestMatch(java.util.List.of(block), Fixtures.ip("192.0.2.1"))).isEmpty();
    }
}
