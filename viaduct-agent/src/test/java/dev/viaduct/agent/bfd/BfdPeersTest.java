package dev.viaduct.agent.bfd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.bfd.BfdPeers.Peer;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which peers get a single-hop session, and from which local address. */
class BfdPeersTest {
    static final Timers T = Timers.of(Duration.ofMillis(100), 3);

    static Peer peer(String name, String ip) {
        return new Peer(name, InetAddress.ofLiteral(ip));
    }

    @Test
    void connectedPeersGetASessionFromOurAddressInTheirSubnet() {
        List<IpPrefix> local = List.of(IpPrefix.parse("10.0.1.11/24"), IpPrefix.parse("192.168.7.5/16"), IpPrefix.parse("fd00:1::11/64"));
        var plan = BfdPeers.plan(List.of(peer("n2", "10.0.1.12"), peer("tor", "192.168.200.1"), peer("n6", "fd00:1::12"),
                peer("far", "10.0.2.12"), peer("n2-again", "10.0.1.12"), peer("me", "10.0.1.11")), local, "eth0", T);
        assertThat(plan.sessions()).extracting(DesiredSession::name, s -> s.peer().getHostAddress(), s -> s.local().getHostAddress())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("n2", "10.0.1.12", "10.0.1.11"),
                        org.assertj.core.groups.Tuple.tuple("tor", "192.168.200.1", "192.168.7.5"),
                        org.assertj.core.groups.Tuple.tuple("n6", "fd00:1:0:0:0:0:0:12", "fd00:1:0:0:0:0:0:11"));
        assertThat(plan.sessions()).allMatch(s -> s.timers().equals(T) && s.interfaceName().isEmpty());
        assertThat(plan.skipped()).containsOnlyKeys("far", "me");
        assertThat(plan.skipped().get("far")).contains("10.0.2.12 is not on a connected subnet of eth0").contains("RFC 5881");
        assertThat(plan.skipped().get("me")).contains("own address");
    }

    @Test
    void linkLocalPeersAreBoundToTheUplink() {
        var plan = BfdPeers.plan(List.of(peer("rtr", "fe80::1")), List.of(IpPrefix.parse("fe80::2/64")), "eth1", T);
        assertThat(plan.sessions()).singleElement().satisfies(s -> assertThat(s.interfaceName()).isEqualTo(Optional.of("eth1")));
    }

    @Test
    void aHostAddressWithoutSubnetMakesNoPeerConnected() {
        var plan = BfdPeers.plan(List.of(peer("n2", "10.0.1.12")), List.of(IpPrefix.parse("10.0.1.11/32")), "eth0", T);
        assertThat(plan.sessions()).isEmpty();
        assertThat(plan.skipped()).containsOnlyKeys("n2");
    }
}
