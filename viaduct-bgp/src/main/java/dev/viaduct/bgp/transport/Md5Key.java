package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.viaduct.sys.libc.SockAddr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * A TCP MD5 signature key (RFC 2385) for one peer address, and its kernel form {@code struct tcp_md5sig}
 * (linux/tcp.h), the argument of {@code setsockopt(IPPROTO_TCP, TCP_MD5SIG)}:
 *
 * <pre>
 * struct tcp_md5sig {
 *     struct __kernel_sockaddr_storage tcpm_addr;  // 128 bytes, 8-aligned: the peer (port ignored)
 *     __u8  tcpm_flags;                            // TCP_MD5SIG_EXT only; 0
 *     __u8  tcpm_prefixlen;                        // TCP_MD5SIG_EXT only; 0
 *     __u16 tcpm_keylen;                           // 0 deletes the peer's key
 *     int   tcpm_ifindex;                          // TCP_MD5SIG_EXT only; 0
 *     __u8  tcpm_key[TCP_MD5SIG_MAXKEYLEN];        // 80
 * };                                               // 216 bytes
 * </pre>
 *
 * <p>The key is the password's UTF-8 bytes, as BIRD ({@code password "..."}) and FRR ({@code neighbor X
 * password ...}) use their configured string, so the same text gives the same key on both ends.
 *
 * @param peer the remote address the key applies to
 * @param key the key bytes, 1..80; empty means "delete the key for this peer"
 */
record Md5Key(InetAddress peer, byte[] key) {
    /** TCP_MD5SIG_MAXKEYLEN (linux/tcp.h). */
    static final int MAX_KEY_BYTES = 80;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("tcpm_addr"),
            JAVA_BYTE.withName("tcpm_flags"),
            JAVA_BYTE.withName("tcpm_prefixlen"),
            JAVA_SHORT.withName("tcpm_keylen"),
            JAVA_INT.withName("tcpm_ifindex"),
            MemoryLayout.sequenceLayout(MAX_KEY_BYTES, JAVA_BYTE).withName("tcpm_key"))
            .withByteAlignment(8) // __kernel_sockaddr_storage is aligned like a pointer
            .withName("tcp_md5sig");
    static final long ADDR_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("tcpm_addr"));
    static final long KEYLEN_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("tcpm_keylen"));
    static final long KEY_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("tcpm_key"));

    /**
     * The key for {@code password}, checked against what Linux accepts: at least one byte (a zero length
     * would delete the key instead of setting it) and at most {@value #MAX_KEY_BYTES}.
     */
    static Md5Key of(InetAddress peer, String password) throws InvalidMd5KeyException {
        if (password == null || password.isEmpty()) {
            throw new InvalidMd5KeyException(peer, "must not be empty (a zero-length key deletes the peer's key)");
        }
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        if (key.length > MAX_KEY_BYTES) {
            throw new InvalidMd5KeyException(peer, key.length + " bytes (UTF-8); Linux accepts at most " + MAX_KEY_BYTES
                    + " (TCP_MD5SIG_MAXKEYLEN, linux/tcp.h)");
        }
        return new Md5Key(peer, key);
    }

    /** The request that removes {@code peer}'s key from a socket. */
    static Md5Key deletion(InetAddress peer) {
        return new Md5Key(peer, new byte[0]);
    }

    boolean deletes() {
        return key.length == 0;
    }

    /** {@code struct tcp_md5sig} for a socket of {@code family} (an IPv4 peer of an IPv6 socket goes IPv4-mapped). */
    MemorySegment encode(Arena arena, int family) {
        MemorySegment s = arena.allocate(LAYOUT);
        SockAddr.write(s, ADDR_OFFSET, family, peer, 0);
        s.set(JAVA_SHORT, KEYLEN_OFFSET, (short) key.length);
        MemorySegment.copy(key, 0, s, JAVA_BYTE, KEY_OFFSET, key.length);
        return s;
    }

    @Override
    public String toString() {
        // never the key itself: it ends up in logs
        return "Md5Key[peer=" + peer.getHostAddress() + ", " + key.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Md5Key k && k.peer.equals(peer) && java.util.Arrays.equals(k.key, key);
    }

    @Override
    public int hashCode() {
        return peer.hashCode() * 31 + java.util.Arrays.hashCode(key);
    }
}
