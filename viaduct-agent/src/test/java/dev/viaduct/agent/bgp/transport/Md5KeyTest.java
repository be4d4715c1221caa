package dev.viaduct.agent.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Password validation, the bytes of {@code struct tcp_md5sig}, and the sockaddr codec. */
class Md5KeyTest {
    static final InetAddress PEER = addr("10.0.0.2");

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void eightyBytesIsTheLongestKeyAndTheErrorNamesThePeerButNotThePassword() throws Exception {
        assertThat(Md5Key.of(PEER, "k".repeat(80)).key()).hasSize(80);
        String tooLong = "x".repeat(81);
        assertThatThrownBy(() -> Md5Key.of(PEER, tooLong))
                .isInstanceOf(InvalidMd5KeyException.class)
                .hasMessage("TCP MD5 password for peer 10.0.0.2: 81 bytes (UTF-8); Linux accepts at most 80 "
                        + "(TCP_MD5SIG_MAXKEYLEN, linux/tcp.h)")
                .satisfies(e -> assertThat(((InvalidMd5KeyException) e).peer()).isEqualTo(PEER));
    }

    @Test
    void lengthCountsUtf8BytesNotCharacters() {
        // 27 three-byte characters: 27 chars, 81 bytes
        String password = "€".repeat(27);
        assertThatThrownBy(() -> Md5Key.of(PEER, password)).hasMessageContaining("81 bytes (UTF-8)");
    }

    @Test
    void emptyPasswordIsRefusedBecauseAZeroLengthKeyMeansDelete() {
        assertThatThrownBy(() -> Md5Key.of(PEER, "")).isInstanceOf(InvalidMd5KeyException.class)
                .hasMessageContaining("peer 10.0.0.2: must not be empty");
    }

    @Test
    void toStringNeverShowsTheKey() throws Exception {
        assertThat(Md5Key.of(PEER, "hunter2").toString()).doesNotContain("hunter2").contains("10.0.0.2", "7 bytes");
    }

    @Test
    void encodesPeerKeyLengthAndKeyAtTheHeaderOffsets() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = Md5Key.of(PEER, "s3cret").encode(arena, Syscalls.AF_INET);
            assertThat(s.byteSize()).isEqualTo(216);
            assertThat(s.get(JAVA_SHORT, 0)).isEqualTo((short) Syscalls.AF_INET);
            assertThat(s.asSlice(4, 4).toArray(JAVA_BYTE)).containsExactly(10, 0, 0, 2);
            assertThat(s.get(JAVA_SHORT, 130)).isEqualTo((short) 6);
            assertThat(new String(s.asSlice(136, 6).toArray(JAVA_BYTE))).isEqualTo("s3cret");
            assertThat(s.asSlice(142, 74).toArray(JAVA_BYTE)).containsOnly(0);
        }
    }

    @Test
    void anIpv4PeerOfAnIpv6SocketIsWrittenIpv4Mapped() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = Md5Key.of(PEER, "k").encode(arena, Syscalls.AF_INET6);
            assertThat(s.get(JAVA_SHORT, 0)).isEqualTo((short) Syscalls.AF_INET6);
            assertThat(s.asSlice(8, 16).toArray(JAVA_BYTE)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, 0, 2);
            assertThat(SockAddr.read(s).getAddress()).isEqualTo(PEER);
        }
    }

    @Test
    void deletionHasKeyLengthZero() {
        try (Arena arena = Arena.ofConfined()) {
            Md5Key d = Md5Key.deletion(PEER);
            assertThat(d.deletes()).isTrue();
            assertThat(d.encode(arena, Syscalls.AF_INET).get(JAVA_SHORT, 130)).isZero();
        }
    }

    @Property(tries = 300)
    void sockaddrRoundTripsIpv4(@ForAll @Size(4) byte[] raw, @ForAll @IntRange(max = 65535) int port) throws Exception {
        roundTrip(InetAddress.getByAddress(raw), port);
    }

    @Property(tries = 300)
    void sockaddrRoundTripsIpv6(@ForAll @Size(16) byte[] raw, @ForAll @IntRange(max = 65535) int port) throws Exception {
        roundTrip(InetAddress.getByAddress(raw), port); // an IPv4-mapped draw comes back as IPv4 on both sides
    }

    private static void roundTrip(InetAddress a, int port) {
        try (Arena arena = Arena.ofConfined()) {
            int family = SockAddr.family(a);
            MemorySegment s = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            SockAddr.write(s, 0, family, a, port);
            assertThat(SockAddr.read(s)).isEqualTo(new InetSocketAddress(a, port));
            MemorySegment v6 = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            SockAddr.write(v6, 0, Syscalls.AF_INET6, a, port);
            assertThat(SockAddr.read(v6)).isEqualTo(new InetSocketAddress(a, port));
        }
    }

    @Test
    void anIpv6AddressCannotGoIntoAnIpv4Sockaddr() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            assertThatThrownBy(() -> SockAddr.write(s, 0, Syscalls.AF_INET, addr("fd00::1"), 179))
                    .hasMessage("fd00:0:0:0:0:0:0:1 is IPv6 but the socket is IPv4");
        }
    }
}
