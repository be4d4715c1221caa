package dev.viaduct.sys.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpAddressesTest {
    @Test
    void linkLocalIsTheModifiedEui64OfTheMac() {
        assertThat(IpAddresses.format(IpAddresses.linkLocal(new byte[] {(byte) 0xee, (byte) 0xee, (byte) 0xee, (byte) 0xee,
                (byte) 0xee, (byte) 0xee}))).isEqualTo("fe80::ecee:eeff:feee:eeee");
        // the universal/local bit is inverted: a locally administered 02:... becomes 00:...
        assertThat(IpAddresses.format(IpAddresses.linkLocal(new byte[] {0x02, 0x42, (byte) 0xac, 0x11, 0x00, 0x02})))
                .isEqualTo("fe80::42:acff:fe11:2");
        assertThatThrownBy(() -> IpAddresses.linkLocal(new byte[8])).hasMessageContaining("8 bytes");
    }
}
