package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.sys.libc.Libc;
import dev.viaduct.sys.libc.SockAddr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** Password validation and the bytes of {@code struct tcp_md5sig} (the sockaddr codec is viaduct-sys's {@code SockAddrTest}). */
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
            MemorySegment s = Md5Key.of(PEER, "s3cret").encode(arena, Libc.AF_INET);
            assertThat(s.byteSize()).isEqualTo(216);
            assertThat(s.get(JAVA_SHORT, 0)).isEqualTo((short) Libc.AF_INET);
            assertThat(s.asSlice(4, 4).toArray(JAVA_BYTE)).containsExactly(10, 0, 0, 2);
            assertThat(s.get(JAVA_SHORT, 130)).isEqualTo((short) 6);
            assertThat(new String(s.asSlice(136, 6).toArray(JAVA_BYTE))).isEqualTo("s3cret");
            assertThat(s.asSlice(142, 74).toArray(JAVA_BYTE)).containsOnly(0);
        }
    }

    @Test
    void anIpv4PeerOfAnIpv6SocketIsWrittenIpv4Mapped() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = Md5Key.of(PEER, "k").encode(arena, Libc.AF_INET6);
            assertThat(s.get(JAVA_SHORT, 0)).isEqualTo((short) Libc.AF_INET6);
            assertThat(s.asSlice(8, 16).toArray(JAVA_BYTE)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, 0, 2);
            assertThat(SockAddr.read(s).getAddress()).isEqualTo(PEER);
        }
    }

    @Test
    void deletionHasKeyLengthZero() {
        try (Arena arena = Arena.ofConfined()) {
            Md5Key d = Md5Key.deletion(PEER);
            assertThat(d.deletes()).isTrue();
            assertThat(d.encode(arena, Libc.AF_INET).get(JAVA_SHORT, 130)).isZero();
        }
    }
}
