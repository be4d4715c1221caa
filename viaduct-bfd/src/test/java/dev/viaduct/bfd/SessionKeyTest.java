package dev.viaduct.bfd;

import static dev.viaduct.bfd.Loopback.ip;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionKeyTest {
    @Test
    void printsAddressesTheWayOperatorsWriteThem() {
        assertThat(SessionKey.host(ip("fd00:bfd::2"))).isEqualTo("[fd00:bfd::2]");
        assertThat(SessionKey.host(ip("::1"))).isEqualTo("[::1]");
        assertThat(SessionKey.host(ip("fe80::"))).isEqualTo("[fe80::]");
        assertThat(SessionKey.host(ip("2001:db8:0:1:0:0:0:1"))).isEqualTo("[2001:db8:0:1::1]");
        assertThat(SessionKey.host(ip("1:0:2:0:3:0:4:5"))).isEqualTo("[1:0:2:0:3:0:4:5]");
        assertThat(new SessionKey(ip("10.0.0.2"), ip("10.0.0.1"), Optional.of("eth0")).toString())
                .isEqualTo("peer=10.0.0.2 local=10.0.0.1 dev=eth0");
    }

    @Test
    void keysIgnoreHostNamesAndScopes() {
        assertThat(new SessionKey(ip("localhost"), ip("10.0.0.1"), Optional.empty()))
                .isEqualTo(new SessionKey(ip("127.0.0.1"), ip("10.0.0.1"), Optional.empty()));
    }
}
