package dev.viaduct.agent.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Node address autodetection in a real namespace (the rules: first global address of the default
 * route's interface, or by interface name, or by CIDR; the subnet prefix kept; a /32 refused), and the monitor
 * that makes the uplink follow address changes.
 */
@Tag("root")
class UplinkKernelTest {
    @RegisterExtension
    final Netns netns = Netns.perTest();
    String ns;

    @BeforeEach
    void twoInterfaces() {
        Netns.requireRoot();
        ns = netns.create("uplink");
        for (String[] p : new String[][] {{"eth0", "x0"}, {"eth1", "x1"}}) {
            netns.execOk(ns, "ip", "link", "add", p[0], "type", "veth", "peer", "name", p[1]);
            netns.execOk(ns, "ip", "link", "set", p[0], "up");
            netns.execOk(ns, "ip", "link", "set", p[1], "up");
        }
        netns.execOk(ns, "ip", "addr", "add", "10.2.0.5/24", "dev", "eth0");
        netns.execOk(ns, "ip", "addr", "add", "10.3.0.5/16", "dev", "eth1");
        netns.execOk(ns, "ip", "route", "add", "default", "via", "10.3.0.1", "dev", "eth1");
    }

    Uplink detect(Optional<String> dev, Optional<IpPrefix> addr, Optional<IpPrefix> cidr) throws Exception {
        try (NetNamespace n = NetNamespace.openNamed(ns); Rtnl r = n.openRtnl()) {
            return Uplink.detect(r, dev, addr, cidr);
        }
    }

    @Test
    void defaultRouteInterfaceWithItsPrefix() throws Exception {
        Uplink u = detect(Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(u.device()).isEqualTo("eth1");
        assertThat(u.addresses()).containsExactly(IpPrefix.parse("10.3.0.5/16"));
        assertThat(u.mtu()).isEqualTo(1500);
    }

    @Test
    void byInterfaceNameByCidrAndByAddress() throws Exception {
        assertThat(detect(Optional.of("eth0"), Optional.empty(), Optional.empty()).addresses()).containsExactly(IpPrefix.parse("10.2.0.5/24"));
        assertThat(detect(Optional.empty(), Optional.empty(), Optional.of(IpPrefix.parse("10.2.0.0/16"))).device()).isEqualTo("eth0");
        assertThat(detect(Optional.empty(), Optional.of(IpPrefix.parse("10.2.0.5/24")), Optional.empty()).device()).isEqualTo("eth0");
    }

    @Test
    void aHostAddressWithoutSubnetIsAnErrorThatSaysWhy() {
        netns.execOk(ns, "ip", "addr", "del", "10.2.0.5/24", "dev", "eth0");
        netns.execOk(ns, "ip", "addr", "add", "10.2.0.5/32", "dev", "eth0");
        assertThatThrownBy(() -> detect(Optional.of("eth0"), Optional.empty(), Optional.empty()))
                .isInstanceOf(Uplink.UplinkException.class)
                .hasMessageContaining("10.2.0.5/32 on eth0 has no subnet prefix")
                .hasMessageContaining("CrossSubnet");
        assertThatThrownBy(() -> detect(Optional.of("eth9"), Optional.empty(), Optional.empty()))
                .hasMessageContaining("node.uplink: interface eth9 does not exist");
        assertThatThrownBy(() -> detect(Optional.empty(), Optional.empty(), Optional.of(IpPrefix.parse("192.0.2.0/24"))))
                .hasMessageContaining("node.autodetectCidr: no interface has an address inside 192.0.2.0/24");
    }

    @Test
    void theMonitorFollowsAddressChangesAndKeepsTheLastGoodUplinkOnA32() throws Exception {
        AtomicReference<Uplink> seen = new AtomicReference<>();
        try (NetNamespace n = NetNamespace.openNamed(ns); Rtnl r = n.openRtnl()) {
            Uplink first = Uplink.detect(r, Optional.of("eth0"), Optional.empty(), Optional.empty());
            try (UplinkMonitor m = new UplinkMonitor(n, first, () -> Uplink.detect(r, Optional.of("eth0"), Optional.empty(),
                    Optional.empty()), seen::set)) {
                m.start();
                netns.execOk(ns, "ip", "addr", "add", "10.9.0.5/24", "dev", "eth0");
                Poll.until("the new address reported", Duration.ofSeconds(10), seen::get,
                        u -> u != null && u.addresses().equals(List.of(IpPrefix.parse("10.2.0.5/24"), IpPrefix.parse("10.9.0.5/24"))));
                netns.execOk(ns, "ip", "link", "set", "eth0", "mtu", "1400");
                Poll.until("the new MTU reported", Duration.ofSeconds(10), () -> seen.get().mtu() == 1400);

                netns.execOk(ns, "ip", "addr", "flush", "dev", "eth0");
                netns.execOk(ns, "ip", "addr", "add", "10.2.0.5/32", "dev", "eth0");
                Poll.until("the /32 reported as a problem", Duration.ofSeconds(10), m::problem, p -> p.contains("no subnet prefix"));
                assertThat(m.current().addresses()).contains(IpPrefix.parse("10.2.0.5/24"));
            }
        }
    }
}
