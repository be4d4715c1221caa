package dev.viaduct.netlink.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A raw {@code AF_NETLINK} socket: bytes in, bytes out, errno as {@link ErrnoException}. It knows nothing of
 * message formats; {@code dev.viaduct.netlink} builds requests and decodes replies on top of it.
 *
 * <p>The socket is created in the network namespace of the calling OS thread and stays in it for its whole
 * life (socket(7) semantics): to talk to another namespace, create the socket on a thread that has
 * {@code setns}'d into it, then use it from anywhere.
 *
 * <p>Concurrency: not thread-safe. Each socket is confined to one thread at a time by its owner (a lock in
 * {@code Rtnl}, the reader thread in {@code NetlinkEvents}); its call-state and address segments are
 * reused per call under that confinement. {@link #close} closes the descriptor (once; later calls do nothing)
 * and must not race a call in progress: owners close under their own confinement.
 */
public final class NetlinkSocket implements AutoCloseable {
    /** sizeof(struct sockaddr_nl): u16 family, u16 pad, u32 pid, u32 groups. */
    private static final int SOCKADDR_NL_SIZE = 12;
    // The datagram calls are this socket's own; the shared ones (socket, bind, setsockopt, close) are viaduct-sys's.
    private static final MethodHandle SEND = Libc.downcall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECVFROM = Libc.downcall("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));

    private final Arena arena;
    private final MemorySegment state;
    private final MemorySegment from;
    private final MemorySegment fromLen;
    private final MemorySegment intOpt;
    private final int fd;
    private final int portId;
    private final AtomicBoolean closed = new AtomicBoolean();
    private int lastSender;

    private NetlinkSocket(Arena arena, int fd, int portId, MemorySegment state) {
        this.arena = arena;
        this.fd = fd;
        this.portId = portId;
        this.state = state;
        this.from = arena.allocate(SOCKADDR_NL_SIZE, 4);
        this.fromLen = arena.allocate(JAVA_INT);
        this.intOpt = arena.allocate(JAVA_INT);
    }

    /**
     * Opens and binds a netlink socket of {@code protocol} (e.g. NETLINK_ROUTE) in the calling thread's
     * network namespace; the kernel assigns the port id.
     */
    public static NetlinkSocket open(int protocol) {
        // An automatic arena: its few small segments are freed by the GC. Closing a shared arena instead costs
        // a handshake with every JVM thread (~100 us here), too much for a per-pod socket.
        Arena arena = Arena.ofAuto();
        int fd = -1;
        MemorySegment st = Libc.newCallState(arena);
        try {
            fd = Libc.socket(st, Uapi.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
            MemorySegment addr = arena.allocate(SOCKADDR_NL_SIZE, 4);
            addr.set(JAVA_SHORT, 0, (short) Uapi.AF_NETLINK);
            Libc.bind(st, fd, addr);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, SOCKADDR_NL_SIZE);
            Libc.getsockname(st, fd, addr, len);
            return new NetlinkSocket(arena, fd, addr.get(JAVA_INT, 4), st);
        } catch (RuntimeException | Error e) {
            if (fd >= 0) {
                try {
                    Libc.close(st, fd);
                } catch (ErrnoException ignored) {
                    // the original failure is what matters
                }
            }
            throw e;
        }
    }

    /** The file descriptor (for poll). */
    public int fd() {
        return fd;
    }

    /** The port id the kernel assigned (nl_pid); replies to us carry it. */
    public int portId() {
        return portId;
    }

    /** setsockopt with an int value. */
    public void setInt(int level, int option, int value) {
        intOpt.set(JAVA_INT, 0, value);
        Libc.setsockopt(state, fd, level, option, intOpt);
    }

    /** getsockopt of an int value. */
    public int getInt(int level, int option) {
        MemorySegment len = fromLen;
        len.set(JAVA_INT, 0, 4);
        Libc.getsockopt(state, fd, level, option, intOpt, len);
        return intOpt.get(JAVA_INT, 0);
    }

    /** SO_RCVTIMEO: receive calls fail with EAGAIN after {@code millis} without data (0 = block forever). */
    public void setReceiveTimeout(long millis) {
        MemorySegment tv = arena.allocate(16, 8);
        tv.set(JAVA_LONG, 0, millis / 1000);
        tv.set(JAVA_LONG, 8, (millis % 1000) * 1000);
        Libc.setsockopt(state, fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv);
    }

    /**
     * Sets a socket buffer size, trying the privileged {@code *BUFFORCE} option first (which may exceed
     * {@code net.core.[rw]mem_max}); returns the size the kernel reports afterwards (it doubles the request
     * for bookkeeping overhead, socket(7)).
     */
    public int setBufferSize(boolean receive, int bytes) {
        int force = receive ? Libc.SO_RCVBUFFORCE : Libc.SO_SNDBUFFORCE;
        int plain = receive ? Libc.SO_RCVBUF : Libc.SO_SNDBUF;
        try {
            setInt(Libc.SOL_SOCKET, force, bytes);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            setInt(Libc.SOL_SOCKET, plain, bytes);
        }
        return getInt(Libc.SOL_SOCKET, plain);
    }

    /** Joins multicast group {@code group} (an RTNLGRP_* number, not a bit mask). */
    public void joinGroup(int group) {
        setInt(Uapi.SOL_NETLINK, Uapi.NETLINK_ADD_MEMBERSHIP, group);
    }

    /** Sends {@code len} bytes of {@code buf} to the kernel as one datagram. */
    public void send(MemorySegment buf, long len) {
        long n;
        try {
            n = (long) SEND.invokeExact(state, fd, buf, len, 0);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        Libc.check(n, state, "send(fd " + fd + ", " + len + " bytes)");
        if (n != len) {
            throw new ErrnoException("send(fd " + fd + "): sent " + n + " of " + len + " bytes", Errno.EMSGSIZE);
        }
    }

    /**
     * Receives one datagram into {@code buf}. Returns its full length, which exceeds {@code buf}'s size when
     * the datagram was truncated (MSG_TRUNC semantics). The sender's port id is then {@link #lastSender()}.
     *
     * @throws ErrnoException EAGAIN on timeout (or with MSG_DONTWAIT), ENOBUFS when the kernel dropped
     *                        messages because the receive buffer was full
     */
    public int receive(MemorySegment buf, int flags) {
        fromLen.set(JAVA_INT, 0, SOCKADDR_NL_SIZE);
        long n;
        try {
            n = (long) RECVFROM.invokeExact(state, fd, buf, buf.byteSize(), flags | Libc.MSG_TRUNC, from, fromLen);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        Libc.check(n, state, "recvfrom(fd " + fd + ")");
        lastSender = from.get(JAVA_INT, 4);
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    /** nl_pid of the last datagram's sender: 0 for the kernel. */
    public int lastSender() {
        return lastSender;
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Libc.close(state, fd);
        }
    }
}
