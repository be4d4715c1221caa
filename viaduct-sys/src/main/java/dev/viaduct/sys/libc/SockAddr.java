package dev.viaduct.sys.libc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} / {@code sockaddr_in6} (netinet/in.h) to and from {@link InetSocketAddress}.
 * Family and scope ID are host byte order, port and address network byte order. An IPv4 address given to an
 * IPv6 socket is written IPv4-mapped ({@code ::ffff:a.b.c.d}, RFC 4291 §2.5.5.2), which is also how the kernel
 * reports IPv4 peers of a dual-stack socket; {@link #read} turns those back into IPv4.
 */
public final class SockAddr {
    /** sizeof(struct sockaddr_in). */
    public static final int IN_SIZE = 16;
    /** sizeof(struct sockaddr_in6). */
    public static final int IN6_SIZE = 28;
    /** sizeof(struct sockaddr_storage): room for any family, as accept4, getsockname and recvmsg need. */
    public static final int STORAGE_SIZE = 128;
    private static final ValueLayout.OfShort PORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {
    }

    /** AF_INET6 for an IPv6 address, else AF_INET. */
    public static int family(InetAddress a) {
        return a instanceof Inet6Address ? Libc.AF_INET6 : Libc.AF_INET;
    }

    /** The size of {@code family}'s sockaddr. */
    public static int size(int family) {
        return family == Libc.AF_INET6 ? IN6_SIZE : IN_SIZE;
    }

    /** A new sockaddr of {@code address}'s own family, exactly as long as that family's struct. */
    public static MemorySegment allocate(Arena arena, InetSocketAddress address) {
        int family = family(address.getAddress());
        MemorySegment s = arena.allocate(size(family), 8);
        write(s, 0, family, address.getAddress(), address.getPort());
        return s;
    }

    /**
     * Writes {@code address:port} at {@code offset} in the layout of {@code family} (the segment must have
     * room), with the address's own scope ID. Fails for an IPv6 address on an IPv4 socket: there is no way to
     * express it.
     */
    public static void write(MemorySegment seg, long offset, int family, InetAddress address, int port) {
        int scope = address instanceof Inet6Address a6 ? a6.getScopeId() : 0;
        write(seg, offset, family, address, port, scope);
    }

    /**
     * As {@link #write(MemorySegment, long, int, InetAddress, int)} with the scope ID given: a link-local peer is
     * only reachable through its interface (RFC 4007 §6), whose index the caller may know better than the
     * address.
     */
    public static void write(MemorySegment seg, long offset, int family, InetAddress address, int port, int scopeId) {
        if (family != Libc.AF_INET && family != Libc.AF_INET6) {
            throw new IllegalArgumentException("address family " + family + " is neither AF_INET nor AF_INET6");
        }
        MemorySegment s = seg.asSlice(offset, size(family));
        s.fill((byte) 0);
        s.set(JAVA_SHORT, 0, (short) family);
        s.set(PORT, 2, (short) port);
        byte[] raw = address.getAddress();
        if (family == Libc.AF_INET) {
            if (raw.length != 4) {
                throw new IllegalArgumentException(address.getHostAddress() + " is IPv6 but the socket is IPv4");
            }
            MemorySegment.copy(raw, 0, s, JAVA_BYTE, 4, 4);
            return;
        }
        if (raw.length == 4) {
            s.set(JAVA_BYTE, 8 + 10, (byte) 0xff);
            s.set(JAVA_BYTE, 8 + 11, (byte) 0xff);
            MemorySegment.copy(raw, 0, s, JAVA_BYTE, 8 + 12, 4);
        } else {
            MemorySegment.copy(raw, 0, s, JAVA_BYTE, 8, 16);
            s.set(JAVA_INT, 24, scopeId);
        }
    }

    /**
     * Reads the address the kernel wrote (AF_INET or AF_INET6) at offset 0: IPv4-mapped IPv6 comes back as IPv4,
     * a non-zero scope ID as the address's scope.
     *
     * @throws IllegalStateException for another family
     */
    public static InetSocketAddress read(MemorySegment seg) {
        int family = Short.toUnsignedInt(seg.get(JAVA_SHORT, 0));
        int port = Short.toUnsignedInt(seg.get(PORT, 2));
        try {
            if (family == Libc.AF_INET) {
                return new InetSocketAddress(InetAddress.getByAddress(seg.asSlice(4, 4).toArray(JAVA_BYTE)), port);
            }
            if (family == Libc.AF_INET6) {
                byte[] raw = seg.asSlice(8, 16).toArray(JAVA_BYTE);
                int scope = seg.get(JAVA_INT, 24);
                InetAddress a = InetAddress.getByAddress(raw);
                if (a instanceof Inet4Address || scope == 0) {
                    return new InetSocketAddress(a, port);
                }
                return new InetSocketAddress(Inet6Address.getByAddress(null, raw, scope), port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("kernel returned a malformed address", e);
        }
        throw new IllegalStateException("kernel returned address family " + family + ", expected AF_INET or AF_INET6");
    }
}
