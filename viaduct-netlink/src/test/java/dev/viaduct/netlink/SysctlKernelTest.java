package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Sysctls inside a namespace, through /proc/sys and through netlink (devconf, neighbour table). */
@Tag("root")
class SysctlKernelTest extends KernelTestBase {

    @Test
    void setsAndReadsSysctlsInsideTheNamespaceOnly() {
        NetNamespace host = closeLater(NetNamespace.current());
        String hostForwarding = Sysctl.get(host, "net.ipv4.ip_forward");
        Sysctl.setAll(handle, Map.of("net.ipv4.ip_forward", "1", "net/ipv4/conf/r0/proxy_arp", "1"));
        assertThat(Sysctl.get(handle, "net.ipv4.ip_forward")).isEqualTo("1");
        assertThat(Sysctl.get(handle, "net.ipv4.conf.r0.proxy_arp")).isEqualTo("1");
        assertThat(Ip.sysctl(ns, "net.ipv4.ip_forward")).isEqualTo("1");
        assertThat(Ip.sysctl(ns, "net.ipv4.conf.r0.proxy_arp")).isEqualTo("1");
        assertThat(Sysctl.get(host, "net.ipv4.ip_forward")).as("the host is untouched").isEqualTo(hostForwarding);
    }

    @Test
    void ensureWritesOnlyAValueThatDiffers() {
        Sysctl.set(handle, "net.ipv4.ip_forward", "0");
        assertThat(Sysctl.ensure(handle, "net.ipv4.ip_forward", "1")).as("0 -> 1 written").isTrue();
        assertThat(Ip.sysctl(ns, "net.ipv4.ip_forward")).isEqualTo("1");
        assertThat(Sysctl.ensure(handle, "net.ipv4.ip_forward", "1")).as("already 1: no write").isFalse();
        assertThat(Ip.sysctl(ns, "net.ipv4.ip_forward")).isEqualTo("1");
    }

    @Test
    void setsPerDeviceIpv4ConfAndProxyDelayThroughNetlink() {
        rtnl.updateLink(r1, LinkUpdate.none().withIpv4Conf(Ipv4Conf.PROXY_ARP, 1).withIpv4Conf(Ipv4Conf.RP_FILTER, 2));
        rtnl.setProxyDelay(AddressFamily.INET, r1, Duration.ZERO);

        Link l = rtnl.link(r1).orElseThrow();
        assertThat(l.ipv4Conf(Ipv4Conf.PROXY_ARP)).hasValue(1);
        assertThat(l.ipv4Conf(Ipv4Conf.RP_FILTER)).hasValue(2);
        assertThat(rtnl.proxyDelay(AddressFamily.INET, r1)).contains(Duration.ZERO);
        assertThat(Ip.sysctl(ns, "net.ipv4.conf.r1.proxy_arp")).isEqualTo("1");
        assertThat(Ip.sysctl(ns, "net.ipv4.conf.r1.rp_filter")).isEqualTo("2");
        assertThat(Ip.sysctl(ns, "net.ipv4.neigh.r1.proxy_delay")).isEqualTo("0");
        assertThat(Ip.sysctl(ns, "net.ipv4.conf.r0.proxy_arp")).as("only that device").isEqualTo("0");

        rtnl.setProxyDelay(AddressFamily.INET, r1, Duration.ofMillis(300));
        assertThat(Ip.sysctl(ns, "net.ipv4.neigh.r1.proxy_delay")).isEqualTo("30");
        assertThat(rtnl.proxyDelay(AddressFamily.INET, r1)).contains(Duration.ofMillis(300));
    }

    @Test
    void badKeysAndValuesAreReportedPrecisely() {
        assertThatThrownBy(() -> Sysctl.get(handle, "net.ipv4.conf.nosuchdev.proxy_arp"))
                .isInstanceOf(NetlinkException.NotFound.class).hasMessageContaining("net.ipv4.conf.nosuchdev.proxy_arp");
        assertThatThrownBy(() -> Sysctl.set(handle, "net.ipv4.ip_forward", "banana"))
                .isInstanceOf(NetlinkException.class).hasMessageStartingWith("sysctl -w net.ipv4.ip_forward=banana: Invalid argument");
        assertThatThrownBy(() -> Sysctl.set(handle, "kernel.hostname", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not under net.*");
        assertThatThrownBy(() -> Sysctl.get(handle, "net/../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rtnl.setProxyDelay(AddressFamily.INET, 987654, Duration.ZERO))
                .isInstanceOf(NetlinkException.class).hasMessageStartingWith("ntable change name arp_cache dev #987654");
    }
}
