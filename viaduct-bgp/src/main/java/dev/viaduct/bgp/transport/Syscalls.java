package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The socket and epoll calls only the transport makes, bound with viaduct-sys's {@link Libc#downcall} (errno
 * captured right after the call). Every wrapper returns the raw result; the caller reads {@link Libc#errno}
 * from its call-state segment when the result is negative, because EAGAIN and EINPROGRESS are routine here,
 * not errors. The calls every module shares (socket, bind, setsockopt, getsockname, close) are {@link Libc}'s.
 *
 * <p>None of these calls blocks: every socket is non-blocking ({@code SOCK_NONBLOCK}), and the only blocking
 * call, {@code epoll_wait}, is made by the {@link Poller}'s platform threads. A virtual thread that made a
 * blocking downcall would pin its carrier for as long as the call lasts.
 *
 * <p>Constants are the Linux x86-64/arm64 values of the headers named beside them. Stateless and thread-safe
 * given one call-state segment per concurrent caller.
 */
final class Syscalls {
    // <linux/tcp.h>
    static final int TCP_NODELAY = 1;
    /** linux/tcp.h: TCP MD5 Signature (RFC 2385), takes a {@code struct tcp_md5sig} ({@link Md5Key}). */
    static final int TCP_MD5SIG = 14;
    // <sys/socket.h> shutdown
    static final int SHUT_RDWR = 2;
    // <sys/epoll.h>
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLONESHOT = 1 << 30;

    private static final MethodHandle LISTEN = Libc.downcall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = Libc.downcall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ACCEPT4 = Libc.downcall("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = Libc.downcall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    /**
     * send(2) straight from a Java array: a critical downcall with heap access, so the bytes need no native copy
     * (and a connection no native buffer to copy them into). Critical means no safepoint while it runs; that is
     * fine for a non-blocking send of a bounded chunk ({@link TcpConnection#SEND_CHUNK}).
     */
    private static final MethodHandle SEND_HEAP = Libc.downcall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            Linker.Option.critical(true));
    private static final MethodHandle SHUTDOWN = Libc.downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 = Libc.downcall("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = Libc.downcall("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT = Libc.downcall("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

    private Syscalls() {
    }

    static int listen(MemorySegment st, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(st, fd, backlog);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    static int connect(MemorySegment st, int fd, MemorySegment addr) {
        try {
            return (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    static int accept4(MemorySegment st, int fd, MemorySegment addr, MemorySegment lenInOut, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(st, fd, addr, lenInOut, flags);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    static long recv(MemorySegment st, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) RECV.invokeExact(st, fd, buf, len, flags);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** send(2) of {@code b[off, off + len)}: see {@link #SEND_HEAP}. */
    static long send(MemorySegment st, int fd, byte[] b, int off, int len, int flags) {
        try {
            return (long) SEND_HEAP.invokeExact(st, fd, MemorySegment.ofArray(b).asSlice(off, len), (long) len, flags);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    static int shutdown(MemorySegment st, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(st, fd, how);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    static int epollCreate1(MemorySegment st, int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(st, flags);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    static int epollCtl(MemorySegment st, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(st, epfd, op, fd, event);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** epoll_wait(2): blocks; only the pollers' platform threads call it. */
    static int epollWait(MemorySegment st, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(st, epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
