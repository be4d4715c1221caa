package dev.viaduct.sys.libc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SockAddrTest {
    @Test
    void ipv4RoundTripsInNetworkOrder() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 179);
            MemorySegment s = SockAddr.allocate(arena, a);
            assertThat(s.byteSize()).isEqualTo(SockAddr.IN_SIZE);
            // family 2 (host order, little-endian here), port 179 = 0x00b3, address, 8 bytes of zero
            assertThat(HexFormat.of().formatHex(s.toArray(JAVA_BYTE))).isEqualTo("020000b30a0102030000000000000000");
            assertThat(SockAddr.read(s)).isEqualTo(a);
        }
    }

    @Test
    void ipv6RoundTripsWithScope() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 3784);
            MemorySegment s = SockAddr.allocate(arena, a);
            assertThat(s.byteSize()).isEqualTo(SockAddr.IN6_SIZE);
            assertThat(SockAddr.read(s)).isEqualTo(a);

            byte[] raw = InetAddress.getByName("fe80::1").getAddress();
            InetSocketAddress linkLocal = new InetSocketAddress(Inet6Address.getByAddress(null, raw, 7), 179);
            MemorySegment ll = SockAddr.allocate(arena, linkLocal);
            InetSocketAddress back = SockAddr.read(ll);
            assertThat(((Inet6Address) back.getAddress()).getScopeId()).isEqualTo(7);
            assertThat(back).isEqualTo(linkLocal);

            SockAddr.write(ll, 0, Libc.AF_INET6, InetAddress.getByName("fe80::1"), 179, 3);
            assertThat(((Inet6Address) SockAddr.read(ll).getAddress()).getScopeId()).isEqualTo(3);
        }
    }

    @Test
    void ipv4OnAnIpv6SocketIsMappedAndReadBackAsIpv4() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SockAddr.IN6_SIZE, 8);
            SockAddr.write(s, 0, Libc.AF_INET6, InetAddress.getByName("192.0.2.1"), 80);
            assertThat(HexFormat.of().formatHex(s.asSlice(8, 16).toArray(JAVA_BYTE))).isEqualTo("00000000000000000000ffffc0000201");
            assertThat(SockAddr.read(s)).isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 80));
        }
    }

    @Test
    void ipv6OnAnIpv4SocketAndForeignFamiliesAreRefused() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            assertThatThrownBy(() -> SockAddr.write(s, 0, Libc.AF_INET, InetAddress.getByName("2001:db8::1"), 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("2001:db8:0:0:0:0:0:1 is IPv6 but the socket is IPv4");
            s.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) 16);
            assertThatThrownBy(() -> SockAddr.read(s)).hasMessage("kernel returned address family 16, expected AF_INET or AF_INET6");
        }
    }

    @Property(tries = 300)
    void roundTripsAnyIpv4(@ForAll @Size(4) byte[] raw, @ForAll @IntRange(max = 65535) int port) throws Exception {
        roundTrip(InetAddress.getByAddress(raw), port);
    }

    @Property(tries = 300)
    void roundTripsAnyIpv6(@ForAll @Size(16) byte[] raw, @ForAll @IntRange(max = 65535) int port) throws Exception {
        roundTrip(InetAddress.getByAddress(raw), port); // an IPv4-mapped draw comes back as IPv4 on both sides
    }

    /** In the address's own family, and on an IPv6 socket (where IPv4 goes IPv4-mapped). */
    private static void roundTrip(InetAddress a, int port) {
        try (Arena arena = Arena.ofConfined()) {
            int family = SockAddr.family(a);
            MemorySegment s = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            SockAddr.write(s, 0, family, a, port);
            assertThat(SockAddr.read(s)).isEqualTo(new InetSocketAddress(a, port));
            MemorySegment v6 = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            SockAddr.write(v6, 0, Libc.AF_INET6, a, port);
            assertThat(SockAddr.read(v6)).isEqualTo(new InetSocketAddress(a, port));
        }
    }
}
