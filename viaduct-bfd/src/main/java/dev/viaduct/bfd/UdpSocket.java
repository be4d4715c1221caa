package dev.viaduct.bfd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
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
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

/**
 * A non-blocking UDP socket over FFM with the two things GTSM needs (RFC 5881 §5, RFC 5082): an outgoing
 * TTL / Hop Limit of our choosing and the received TTL / Hop Limit of every datagram (IP_RECVTTL /
 * IPV6_RECVHOPLIMIT, delivered as ancillary data by recvmsg). It is bound to one local address (and
 * optionally one interface with SO_BINDTODEVICE), so the many nodes of a lab can each bind their own.
 *
 * <p>The socket lives in the network namespace of the thread that created it (socket(7)), which is how the
 * manager runs inside a node's namespace.
 *
 * <p>Concurrency: confined to one thread at a time (the manager's event loop); its native buffers are reused
 * for every call. {@link #close} is idempotent.
 */
final class UdpSocket implements AutoCloseable {
    /** RFC 5881 §4: "The source port MUST be in the range 49152 through 65535." */
    static final int SOURCE_PORT_MIN = 49152;
    static final int SOURCE_PORT_MAX = 65535;
    /** IP_PREC_INTERNET_CONTROL (0xc0), the TOS BIRD and FRR give BFD: a router's queues should keep it flowing. */
    private static final int TOS_INTERNET_CONTROL = 0xc0;
    private static final int SOCKADDR_SIZE = 28;
    private static final int MSGHDR_SIZE = 56;
    private static final int CONTROL_SIZE = 128;
    private static final int RECEIVE_BUFFER = 512;
    private static final ValueLayout.OfShort PORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment state;
    private final int fd;
    private final InetSocketAddress local;
    private final MemorySegment sendBuffer;
    private final MemorySegment destination;
    private final MemorySegment receiveBuffer;
    private final MemorySegment sourceAddress;
    private final MemorySegment control;
    private final MemorySegment message;
    private final AtomicBoolean closed = new AtomicBoolean();

    private UdpSocket(Arena arena, MemorySegment state, int fd, boolean ipv6, InetSocketAddress local) {
        this.state = state;
        this.fd = fd;
        this.local = local;
        this.sendBuffer = arena.allocate(256, 8);
        this.destination = arena.allocate(ipv6 ? SOCKADDR_SIZE : 16, 8);
        this.receiveBuffer = arena.allocate(RECEIVE_BUFFER, 8);
        this.sourceAddress = arena.allocate(SOCKADDR_SIZE, 8);
        this.control = arena.allocate(CONTROL_SIZE, 8);
        MemorySegment iov = arena.allocate(16, 8);
        iov.set(ADDRESS, 0, receiveBuffer);
        iov.set(JAVA_LONG, 8, RECEIVE_BUFFER);
        this.message = arena.allocate(MSGHDR_SIZE, 8);
        message.set(ADDRESS, 0, sourceAddress);
        message.set(ADDRESS, 16, iov);
        message.set(JAVA_LONG, 24, 1);
        message.set(ADDRESS, 32, control);
    }

    /**
     * Opens a socket bound to {@code address} (port 0 for any) in the calling thread's namespace, sending with
     * {@code ttl} and, if {@code receiveTtl}, reporting the TTL of received datagrams.
     *
     * @param interfaceName null, or the interface to bind to (SO_BINDTODEVICE); required for IPv6 link-local
     */
    static UdpSocket open(InetSocketAddress address, String interfaceName, int ttl, boolean receiveTtl) throws BfdSocketException {
        boolean v6 = address.getAddress() instanceof Inet6Address;
        // GC-managed: closing a shared arena costs a handshake with every thread, and the fd is what must be
        // released promptly (close() does that)
        Arena arena = Arena.ofAuto();
        MemorySegment st = Libc.newCallState(arena);
        int fd = -1;
        String what = format(address, interfaceName);
        try {
            fd = Libc.socket(st, v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
            if (v6) {
                setInt(arena, st, fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, 1, "IPV6_V6ONLY " + what);
                setInt(arena, st, fd, Libc.IPPROTO_IPV6, Libc.IPV6_UNICAST_HOPS, ttl, "IPV6_UNICAST_HOPS " + what);
                setInt(arena, st, fd, Libc.IPPROTO_IPV6, Libc.IPV6_TCLASS, TOS_INTERNET_CONTROL, "IPV6_TCLASS " + what);
                if (receiveTtl) {
                    setInt(arena, st, fd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT " + what);
                }
            } else {
                setInt(arena, st, fd, Libc.IPPROTO_IP, Libc.IP_TTL, ttl, "IP_TTL " + what);
                setInt(arena, st, fd, Libc.IPPROTO_IP, Libc.IP_TOS, TOS_INTERNET_CONTROL, "IP_TOS " + what);
                if (receiveTtl) {
                    setInt(arena, st, fd, Libc.IPPROTO_IP, Libc.IP_RECVTTL, 1, "IP_RECVTTL " + what);
                }
            }
            int scope = 0;
            if (interfaceName != null) {
                MemorySegment name = arena.allocateFrom(interfaceName, StandardCharsets.US_ASCII);
                Libc.setsockopt(st, fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, name, "SO_BINDTODEVICE " + what);
                if (v6 && address.getAddress().isLinkLocalAddress()) {
                    scope = Libc.ifNameToIndex(arena, st, interfaceName);
                }
            }
            MemorySegment sa = arena.allocate(v6 ? SOCKADDR_SIZE : 16, 8);
            writeSockaddr(sa, address.getAddress(), address.getPort(), scope);
            Libc.bind(st, fd, sa, what);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) sa.byteSize());
            Libc.getsockname(st, fd, sa, len);
            int port = Short.toUnsignedInt(sa.get(PORT, 2));
            return new UdpSocket(arena, st, fd, v6, new InetSocketAddress(address.getAddress(), port));
        } catch (BfdSocketException | RuntimeException e) {
            if (fd >= 0) {
                Libc.close(st, fd);
            }
            throw e;
        }
    }

    /**
     * Opens a sending socket on {@code address} with a source port drawn from 49152-65535 (RFC 5881 §4), trying
     * random ports until one is free.
     */
    static UdpSocket openInSourceRange(InetAddress address, String interfaceName, int ttl, RandomGenerator random)
            throws BfdSocketException {
        int span = SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1;
        int first = random.nextInt(span);
        BfdSocketException last = null;
        // random probes first (unpredictable ports), then a sweep so a crowded range still finds its hole
        for (int i = 0; i < 32 + span; i++) {
            int port = SOURCE_PORT_MIN + (i < 32 ? random.nextInt(span) : (first + i) % span);
            try {
                return open(new InetSocketAddress(address, port), interfaceName, ttl, false);
            } catch (BfdSocketException e) {
                if (e.errno() != Libc.EADDRINUSE) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    int fd() {
        return fd;
    }

    InetSocketAddress localAddress() {
        return local;
    }

    /** Sends one datagram without blocking (a full send queue is an error, not a wait). */
    void send(byte[] payload, InetAddress to, int port, int scopeId) throws BfdSocketException {
        if (payload.length > sendBuffer.byteSize()) {
            throw new IllegalArgumentException("datagram of " + payload.length + " bytes exceeds the " + sendBuffer.byteSize() + "-byte buffer");
        }
        MemorySegment.copy(payload, 0, sendBuffer, JAVA_BYTE, 0, payload.length);
        writeSockaddr(destination, to, port, scopeId);
        long n = Libc.sendto(state, fd, sendBuffer, payload.length, Libc.MSG_DONTWAIT, destination,
                to.getHostAddress() + ":" + port + " from " + local);
        if (n != payload.length) {
            throw new IllegalStateException("sendto sent " + n + " of " + payload.length + " bytes");
        }
    }

    /** Receives one datagram if one is queued; null when none is (EAGAIN). */
    Datagram receive() throws BfdSocketException {
        message.set(JAVA_INT, 8, SOCKADDR_SIZE);
        message.set(JAVA_LONG, 40, CONTROL_SIZE);
        message.set(JAVA_INT, 48, 0);
        long n = Libc.recvmsg(state, fd, message, Libc.MSG_DONTWAIT | Libc.MSG_TRUNC);
        if (n < 0) {
            int errno = Libc.errno(state);
            if (errno == Libc.EAGAIN || errno == Libc.EINTR) {
                return null;
            }
            throw new BfdSocketException("recvmsg(" + local + ")", errno);
        }
        int full = (int) Math.min(n, Integer.MAX_VALUE);
        byte[] payload = receiveBuffer.asSlice(0, Math.min(full, RECEIVE_BUFFER)).toArray(JAVA_BYTE);
        InetAddress source = readAddress(sourceAddress);
        int sourcePort = Short.toUnsignedInt(sourceAddress.get(PORT, 2));
        return new Datagram(source, sourcePort, receivedTtl(message.get(JAVA_LONG, 40)), payload, full);
    }

    /** Walks the control messages (struct cmsghdr: size_t len, int level, int type, data 8-aligned). */
    private int receivedTtl(long controlLength) {
        long off = 0;
        long end = Math.min(controlLength, CONTROL_SIZE);
        while (off + 16 <= end) {
            long len = control.get(JAVA_LONG, off);
            int level = control.get(JAVA_INT, off + 8);
            int type = control.get(JAVA_INT, off + 12);
            if (len < 16 || off + len > end) {
                break;
            }
            if (len >= 20 && ((level == Libc.IPPROTO_IP && type == Libc.IP_TTL)
                    || (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_HOPLIMIT))) {
                return control.get(JAVA_INT, off + 16);
            }
            off += (len + 7) & ~7L;
        }
        return -1;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Libc.close(state, fd);
        }
    }

    @Override
    public String toString() {
        return "UdpSocket[" + local + " fd=" + fd + "]";
    }

    // ------------------------------------------------------------------ sockaddr

    /** struct sockaddr_in / sockaddr_in6; the family is in host order, port and address in network order. */
    private static void writeSockaddr(MemorySegment sa, InetAddress address, int port, int scopeId) {
        sa.fill((byte) 0);
        byte[] raw = address.getAddress();
        if (address instanceof Inet4Address) {
            sa.set(JAVA_SHORT, 0, (short) Libc.AF_INET);
            sa.set(PORT, 2, (short) port);
            MemorySegment.copy(raw, 0, sa, JAVA_BYTE, 4, 4);
        } else {
            if (sa.byteSize() < SOCKADDR_SIZE) {
                throw new IllegalArgumentException("IPv6 address " + address.getHostAddress() + " on an IPv4 socket");
            }
            sa.set(JAVA_SHORT, 0, (short) Libc.AF_INET6);
            sa.set(PORT, 2, (short) port);
            MemorySegment.copy(raw, 0, sa, JAVA_BYTE, 8, 16);
            sa.set(JAVA_INT, 24, scopeId);
        }
    }

    private InetAddress readAddress(MemorySegment sa) {
        try {
            int family = Short.toUnsignedInt(sa.get(JAVA_SHORT, 0));
            if (family == Libc.AF_INET6) {
                return InetAddress.getByAddress(sa.asSlice(8, 16).toArray(JAVA_BYTE));
            }
            return InetAddress.getByAddress(sa.asSlice(4, 4).toArray(JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("kernel returned a malformed source address", e);
        }
    }

    private static void setInt(Arena arena, MemorySegment st, int fd, int level, int option, int value, String what)
            throws BfdSocketException {
        MemorySegment v = arena.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        Libc.setsockopt(st, fd, level, option, v, what);
    }

    private static String format(InetSocketAddress a, String interfaceName) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort()
                + (interfaceName == null ? "" : "%" + interfaceName);
    }
}
