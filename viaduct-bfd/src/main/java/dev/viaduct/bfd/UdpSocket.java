package dev.viaduct.bfd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import dev.viaduct.sys.libc.SockAddr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
    private static final int MSGHDR_SIZE = 56;
    private static final int CONTROL_SIZE = 128;
    private static final int RECEIVE_BUFFER = 512;

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
        this.destination = arena.allocate(ipv6 ? SockAddr.IN6_SIZE : SockAddr.IN_SIZE, 8);
        this.receiveBuffer = arena.allocate(RECEIVE_BUFFER, 8);
        this.sourceAddress = arena.allocate(SockAddr.IN6_SIZE, 8);
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
            try {
                fd = Libc.socket(st, v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
            } catch (ErrnoException e) {
                throw BfdSocketException.of("socket(" + what + ")", e);
            }
            if (v6) {
                UdpCalls.setInt(st, fd, Libc.IPPROTO_IPV6, UdpCalls.IPV6_V6ONLY, 1, "IPV6_V6ONLY " + what);
                UdpCalls.setInt(st, fd, Libc.IPPROTO_IPV6, UdpCalls.IPV6_UNICAST_HOPS, ttl, "IPV6_UNICAST_HOPS " + what);
                UdpCalls.setInt(st, fd, Libc.IPPROTO_IPV6, UdpCalls.IPV6_TCLASS, TOS_INTERNET_CONTROL, "IPV6_TCLASS " + what);
                if (receiveTtl) {
                    UdpCalls.setInt(st, fd, Libc.IPPROTO_IPV6, UdpCalls.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT " + what);
                }
            } else {
                UdpCalls.setInt(st, fd, Libc.IPPROTO_IP, UdpCalls.IP_TTL, ttl, "IP_TTL " + what);
                UdpCalls.setInt(st, fd, Libc.IPPROTO_IP, UdpCalls.IP_TOS, TOS_INTERNET_CONTROL, "IP_TOS " + what);
                if (receiveTtl) {
                    UdpCalls.setInt(st, fd, Libc.IPPROTO_IP, UdpCalls.IP_RECVTTL, 1, "IP_RECVTTL " + what);
                }
            }
            int scope = 0;
            if (interfaceName != null) {
                MemorySegment name = arena.allocateFrom(interfaceName, StandardCharsets.US_ASCII);
                try {
                    Libc.setsockopt(st, fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, name);
                } catch (ErrnoException e) {
                    throw BfdSocketException.of("setsockopt(SO_BINDTODEVICE " + what + ")", e);
                }
                if (v6 && address.getAddress().isLinkLocalAddress()) {
                    scope = UdpCalls.ifNameToIndex(arena, st, interfaceName);
                }
            }
            int family = v6 ? Libc.AF_INET6 : Libc.AF_INET;
            MemorySegment sa = arena.allocate(SockAddr.size(family), 8);
            SockAddr.write(sa, 0, family, address.getAddress(), address.getPort(), scope);
            try {
                Libc.bind(st, fd, sa);
            } catch (ErrnoException e) {
                throw BfdSocketException.of("bind(" + what + ")", e);
            }
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) sa.byteSize());
            try {
                Libc.getsockname(st, fd, sa, len);
            } catch (ErrnoException e) {
                throw BfdSocketException.of("getsockname(" + what + ")", e);
            }
            int port = SockAddr.read(sa).getPort();
            return new UdpSocket(arena, st, fd, v6, new InetSocketAddress(address.getAddress(), port));
        } catch (BfdSocketException | RuntimeException e) {
            if (fd >= 0) {
                UdpCalls.closeQuietly(st, fd);
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
                if (e.errno() != Errno.EADDRINUSE) {
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
        SockAddr.write(destination, 0, destination.byteSize() == SockAddr.IN6_SIZE ? Libc.AF_INET6 : Libc.AF_INET, to, port, scopeId);
        long n = UdpCalls.sendto(state, fd, sendBuffer, payload.length, Libc.MSG_DONTWAIT, destination,
                to.getHostAddress() + ":" + port + " from " + local);
        if (n != payload.length) {
            throw new IllegalStateException("sendto sent " + n + " of " + payload.length + " bytes");
        }
    }

    /** Receives one datagram if one is queued; null when none is (EAGAIN). */
    Datagram receive() throws BfdSocketException {
        message.set(JAVA_INT, 8, SockAddr.IN6_SIZE);
        message.set(JAVA_LONG, 40, CONTROL_SIZE);
        message.set(JAVA_INT, 48, 0);
        long n = UdpCalls.recvmsg(state, fd, message, Libc.MSG_DONTWAIT | Libc.MSG_TRUNC);
        if (n < 0) {
            int errno = Libc.errno(state);
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return null;
            }
            throw new BfdSocketException("recvmsg(" + local + ")", errno);
        }
        int full = (int) Math.min(n, Integer.MAX_VALUE);
        byte[] payload = receiveBuffer.asSlice(0, Math.min(full, RECEIVE_BUFFER)).toArray(JAVA_BYTE);
        InetSocketAddress source = SockAddr.read(sourceAddress);
        return new Datagram(source.getAddress(), source.getPort(), receivedTtl(message.get(JAVA_LONG, 40)), payload, full);
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
            if (len >= 20 && ((level == Libc.IPPROTO_IP && type == UdpCalls.IP_TTL)
                    || (level == Libc.IPPROTO_IPV6 && type == UdpCalls.IPV6_HOPLIMIT))) {
                return control.get(JAVA_INT, off + 16);
            }
            off += (len + 7) & ~7L;
        }
        return -1;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            UdpCalls.closeQuietly(state, fd);
        }
    }

    @Override
    public String toString() {
        return "UdpSocket[" + local + " fd=" + fd + "]";
    }

    private static String format(InetSocketAddress a, String interfaceName) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort()
                + (interfaceName == null ? "" : "%" + interfaceName);
    }
}
