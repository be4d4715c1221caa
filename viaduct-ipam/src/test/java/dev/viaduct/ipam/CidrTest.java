package dev.viaduct.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void parsesAndFormatsBothFamilies() {
        assertThat(Cidr.parse("10.244.0.0/26").toString()).isEqualTo("10.244.0.0/26");
        assertThat(Cidr.parse("FD00:0:0:0:0:0:0:0/122").toString()).isEqualTo("fd00::/122");
        assertThat(Cidr.parse("2001:db8:0:0:1:0:0:0/128").toString()).isEqualTo("2001:db8:0:0:1::/128");
        assertThat(Cidr.parse("2001:db8:0:0:1:0:0:1/128").toString()).as("tie: first run").isEqualTo("2001:db8::1:0:0:1/128");
        assertThat(Cidr.parse("10.1.2.3").prefixLength()).isEqualTo(32);
        assertThat(Cidr.parse("10.244.0.0/16").subnet(26, BigInteger.valueOf(3)).toString()).isEqualTo("10.244.0.192/26");
        assertThat(Cidr.containing(Cidr.parseAddress("10.244.1.77"), 26).toString()).isEqualTo("10.244.1.64/26");
        assertThat(Cidr.parse("fd00::/64").size()).isEqualTo(BigInteger.ONE.shiftLeft(64));
    }

    @Test
    void rejectsBadInputWithoutDns() {
        assertThatThrownBy(() -> Cidr.parse("example.com/24")).hasMessageContaining("'example.com' is not an IP address");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length 33 out of range 0..32");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("prefix length is not a number");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.5/24")).hasMessageContaining("did you mean 10.0.0.0/24?");
    }

    @Property
    void ordinalsRoundTrip(@ForAll @Size(16) byte[] raw, @ForAll @IntRange(min = 64, max = 128) int len) throws Exception {
        InetAddress a = InetAddress.getByAddress(raw);
        Cidr c = Cidr.containing(a, len);
        assertThat(c.addressAt(c.ordinalOf(a))).isEqualTo(a);
        assertThat(Cidr.parseAddress(Cidr.format(a))).isEqualTo(a);
        assertThat(Cidr.parse(c.toString())).isEqualTo(c);
    }
}
