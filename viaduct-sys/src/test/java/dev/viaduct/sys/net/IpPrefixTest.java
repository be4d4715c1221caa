package dev.viaduct.sys.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class IpPrefixTest {
    @Test
    void parsesKeepingHostBitsAndFormatsLikeIp() {
        IpPrefix p = IpPrefix.parse("10.168.0.3/24");
        assertThat(p.toString()).isEqualTo("10.168.0.3/24");
        assertThat(p.isNetwork()).isFalse();
        assertThat(p.network()).hasToString("10.168.0.0/24");
        assertThat(IpPrefix.parse("FD00:0:0:0:0:0:0:1/64")).hasToString("fd00::1/64");
        assertThat(IpPrefix.parse("10.0.0.7")).satisfies(h -> {
            assertThat(h.isHost()).isTrue();
            assertThat(h).hasToString("10.0.0.7/32");
        });
        assertThat(IpPrefix.parse("::")).hasToString("::/128");
    }

    @Test
    void networksRejectHostBitsNamingTheNetworkMeant() {
        assertThatThrownBy(() -> IpPrefix.parseNetwork("10.244.1.5/26"))
                .hasMessage("'10.244.1.5/26': host bits are set (did you mean 10.244.1.0/26?)");
        assertThat(IpPrefix.parseNetwork("fd00:1::/64").isNetwork()).isTrue();
    }

    @Test
    void badTextIsNamed() {
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/33")).hasMessage("'10.0.0.0/33': prefix length must be 0..32");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/x")).hasMessage("'10.0.0.0/x': prefix length 'x' is not a number");
        assertThatThrownBy(() -> IpPrefix.parse("example.com/24")).hasMessage("'example.com' is not an IP address");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.256")).hasMessage("'10.0.0.256' is not an IP address");
        assertThatThrownBy(() -> IpPrefix.parse("1.2.3")).hasMessage("'1.2.3' is not an IP address");
        assertThatThrownBy(() -> IpPrefix.parse(null)).hasMessage("a CIDR is required");
    }

    @Test
    void arithmeticInsideANetwork() {
        IpPrefix pool = IpPrefix.parseNetwork("10.244.0.0/16");
        assertThat(pool.subnet(26, BigInteger.valueOf(5))).hasToString("10.244.1.64/26");
        assertThat(pool.addressAt(257)).isEqualTo(IpAddresses.parse("10.244.1.1"));
        assertThat(pool.ordinalOf(IpAddresses.parse("10.244.1.1"))).isEqualTo(BigInteger.valueOf(257));
        assertThat(pool.size()).isEqualTo(BigInteger.valueOf(65536));
        assertThatThrownBy(() -> pool.addressAt(65536)).hasMessageContaining("outside 10.244.0.0/16");
        IpPrefix v6 = IpPrefix.parseNetwork("fd00::/64");
        assertThat(v6.subnet(122, BigInteger.TWO)).hasToString("fd00::80/122");
        assertThat(v6.contains(IpAddresses.parse("fd00::ffff"))).isTrue();
        assertThat(v6.contains(IpAddresses.parse("10.0.0.1"))).isFalse();
    }

    @Test
    void ipv4SortsBeforeIpv6ThenByAddressThenLength() {
        assertThat(IpPrefix.parse("255.0.0.0/8")).isLessThan(IpPrefix.parse("::/0"));
        assertThat(IpPrefix.parse("10.0.0.0/8")).isLessThan(IpPrefix.parse("10.0.0.0/9"));
        assertThat(IpPrefix.parse("9.255.0.0/16")).isLessThan(IpPrefix.parse("128.0.0.0/1"));
    }

    @Property
    void ipv4ContainmentAgreesWithMaskArithmetic(@ForAll int a, @ForAll @IntRange(max = 32) int len, @ForAll int b) {
        IpPrefix p = IpPrefix.v4(a, len);
        long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
        boolean expected = ((a & 0xffffffffL) & mask) == ((b & 0xffffffffL) & mask);
        assertThat(p.contains(IpPrefix.v4(b, 32))).isEqualTo(expected);
        assertThat(p.network().isNetwork()).isTrue();
        assertThat(p.network().contains(p)).isTrue();
    }

    @Property
    void ipv6TextRoundTripsAndMatchesTheJdk(@ForAll long hi, @ForAll long lo, @ForAll @IntRange(max = 128) int len) throws Exception {
        IpPrefix p = IpPrefix.v6(hi, lo, len);
        assertThat(IpPrefix.parse(p.toString())).isEqualTo(p);
        InetAddress jdk = InetAddress.getByAddress(p.addressBytes());
        assertThat(IpPrefix.of(jdk, len)).isEqualTo(p);
        assertThat(IpAddresses.parse(p.addressText())).isEqualTo(jdk);
        BigInteger v = new BigInteger(1, p.addressBytes());
        BigInteger net = v.shiftRight(128 - len).shiftLeft(128 - len);
        assertThat(new BigInteger(1, p.network().addressBytes())).isEqualTo(net);
    }

    @Test
    void rfc5952Text() {
        assertThat(IpAddresses.format(IpAddresses.parse("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpAddresses.format(IpAddresses.parse("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpAddresses.format(IpAddresses.parse("::1"))).isEqualTo("::1");
        assertThat(IpAddresses.format(IpAddresses.parse("fe80::"))).isEqualTo("fe80::");
    }
}
