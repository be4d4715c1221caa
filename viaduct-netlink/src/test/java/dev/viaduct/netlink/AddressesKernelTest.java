package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Interface addresses, IPv4 and IPv6, read back through the library and checked with {@code ip -j addr}. */
@Tag("root")
class AddressesKernelTest extends KernelTestBase {

    private JsonNode ipAddr(String dev, String local) {
        for (JsonNode a : Ip.json(ns, "addr", "show", "dev", dev).get(0).get("addr_info")) {
            if (a.get("local").asString().equals(local)) {
                return a;
            }
        }
        return null;
    }

    @Test
    void addsListsAndDeletesIpv4AndIpv6AddressesWithScopeAndFlags() {
        Address pod = Address.of(IpPrefix.parse("10.244.0.7/32"), r0);
        Address linkLocal = Address.of(IpPrefix.parse("169.254.7.7/16"), r0).withScope(RouteScope.LINK);
        Address v6 = Address.of(IpPrefix.parse("fd00:244::7/128"), r0).withFlags(Address.NODAD);
        rtnl.addAddress(pod);
        rtnl.addAddress(linkLocal);
        rtnl.addAddress(v6);

        List<Address> v4s = rtnl.addresses(AddressFamily.INET, r0);
        assertThat(v4s).extracting(Address::address)
                .containsExactlyInAnyOrder(IpPrefix.parse("10.1.0.1/24"), IpPrefix.parse("10.244.0.7/32"), IpPrefix.parse("169.254.7.7/16"));
        Address readLinkLocal = v4s.stream().filter(a -> a.address().equals(linkLocal.address())).findFirst().orElseThrow();
        assertThat(readLinkLocal.scope()).isEqualTo(RouteScope.LINK);
        assertThat(readLinkLocal.label()).isEqualTo("r0");
        Address readV6 = rtnl.addresses(AddressFamily.INET6, r0).stream()
                .filter(a -> a.address().equals(v6.address())).findFirst().orElseThrow();
        assertThat(readV6.has(Address.NODAD)).isTrue();
        assertThat(readV6.has(Address.TENTATIVE)).as("nodad: usable at once").isFalse();
        assertThat(readV6.has(Address.PERMANENT)).isTrue();

        assertThat(ipAddr("r0", "10.244.0.7").get("prefixlen").asInt()).isEqualTo(32);
        assertThat(ipAddr("r0", "169.254.7.7").get("scope").asString()).isEqualTo("link");
        JsonNode ipV6 = ipAddr("r0", "fd00:244::7");
        assertThat(ipV6.get("prefixlen").asInt()).isEqualTo(128);
        assertThat(ipV6.get("nodad").asBoolean()).isTrue();
        assertThat(ipV6.has("tentative")).isFalse();

        rtnl.deleteAddress(pod);
        rtnl.deleteAddress(v6);
        assertThat(ipAddr("r0", "10.244.0.7")).isNull();
        assertThat(ipAddr("r0", "fd00:244::7")).isNull();
        assertThat(rtnl.addresses(AddressFamily.UNSPEC, r0)).extracting(Address::address)
                .doesNotContain(pod.address(), v6.address()).contains(linkLocal.address());
    }

    @Test
    void aDumpOfEveryLinkIncludesLoopback() {
        assertThat(rtnl.addresses(AddressFamily.INET, 0)).extracting(Address::address).contains(IpPrefix.parse("127.0.0.1/8"));
    }

    @Test
    void replaceUpdatesAnExistingAddress() {
        Address a = Address.of(IpPrefix.parse("fd00:9::9/64"), r1);
        rtnl.addAddress(a.withFlags(Address.NODAD));
        rtnl.replaceAddress(a.withFlags(Address.NODAD | Address.NOPREFIXROUTE));
        Address read = rtnl.addresses(AddressFamily.INET6, r1).stream().filter(x -> x.address().equals(a.address()))
                .findFirst().orElseThrow();
        assertThat(read.has(Address.NOPREFIXROUTE)).isTrue();
        assertThat(ipAddr("r1", "fd00:9::9").get("noprefixroute").asBoolean()).isTrue();
    }

    @Test
    void errorsNameTheRequest() {
        Address a = Address.of(IpPrefix.parse("10.9.9.9/32"), r0);
        rtnl.addAddress(a);
        assertThatThrownBy(() -> rtnl.addAddress(a)).isInstanceOf(NetlinkException.AlreadyExists.class)
                .hasMessageStartingWith("address add 10.9.9.9/32 dev #" + r0 + ": File exists (EEXIST");

        NetlinkException gone = catchThrowableOfType(NetlinkException.NotFound.class,
                () -> rtnl.deleteAddress(Address.of(IpPrefix.parse("10.9.9.8/32"), r0)));
        assertThat(gone.errnoName()).isEqualTo("EADDRNOTAVAIL");

        NetlinkException noDevice = catchThrowableOfType(NetlinkException.NotFound.class,
                () -> rtnl.addAddress(Address.of(IpPrefix.parse("10.9.9.7/32"), 987654)));
        assertThat(noDevice.errnoName()).isEqualTo("ENODEV");
        assertThat(noDevice.operation()).isEqualTo("address add 10.9.9.7/32 dev #987654");
        assertThat(Ip.json(ns, "addr", "show").toString()).doesNotContain("10.9.9.7");
    }
}
