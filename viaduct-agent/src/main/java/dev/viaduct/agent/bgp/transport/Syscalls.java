package dev.viaduct.agent.bgp.transport;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc socket and epoll calls of the transport, as FFM downcalls that capture {@code errno} right after
 * the call ({@link Linker.Option#captureCallState}: errno read later from Java would be whatever the JVM did in
 * between). Every wrapper returns the raw result; the caller reads {@link #errno} from its call-state segment
 * when the result is negative, because EAGAIN and EINPROGRESS are routine here, not errors.
 *
 * <p>None of these calls blocks: every socket is non-blocking ({@code SOCK_NONBLOCK}), and the only blocking
 * call, {@code epoll_wait}, is made by the {@link Poller}'s platform threads. A virtual thread that made a
 * blocking downcall would pin its carrier for as long as the call lasts.
 *
 * <p>Constants are the Linux x86-64/arm64 values of the headers named beside them. Stateless and thread-safe
 * given one call-state segment per concurrent caller.
 */
final class Syscalls {
    // <bits/socket.h>, <bits/socket_type.h>
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    // <asm-generic/socket.h>
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    // <netinet/in.h>, <linux/tcp.h>
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;
    /** linux/tcp.h: TCP MD5 Signature (RFC 2385), takes a {@code struct tcp_md5sig} ({@link Md5Key}). */
    static final int TCP_MD5SIG = 14;
    // <bits/socket.h> message flags, <sys/socket.h> shutdown
    static final int MSG_NOSIGNAL = 0x4000;
    static final int SHUT_RDWR = 2;
    // <sys/epoll.h>
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLONESHOT = 1 << 30;
    // <asm-generic/errno-base.h>, <asm-generic/errno.h>
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int ENOBUFS = 105;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENOTCONN = 107;
    static final int ECONNABORTED = 103;
    static final int EALREADY = 114;
    static final int EINPROGRESS = 115;
    static final int EISCONN = 106;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = handle("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = handle("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ACCEPT4 = handle("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = handle("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECV = handle("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    /**
     * send(2) straight from a Java array: a critical downcall with heap access, so the bytes need no native copy
     * (and a connection no native buffer to copy them into). Critical means no safepoint while it runs; that is
     * fine for a non-blocking send of a bounded chunk ({@link TcpConnection#SEND_CHUNK}).
     */
    private static final MethodHandle SEND_HEAP = handle("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            Linker.Option.critical(true));
    private static final MethodHandle SHUTDOWN = handle("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 = handle("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = handle("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT = handle("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = strerrorHandle();

    private Syscalls() {
    }

    /** A segment to receive errno; one per concurrent caller. */
    static MemorySegment newCallState(java.lang.foreign.Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** The C library's text for an errno value. */
    @SuppressWarnings("restricted") // strerror returns a pointer into a static table; 256 bytes bound the read
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static int socket(MemorySegment st, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(st, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int setsockopt(MemorySegment st, int fd, int level, int option, MemorySegment value) {
        try {
            return (int) SETSOCKOPT.invokeExact(st, fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bind(MemorySegment st, int fd, MemorySegment addr) {
        try {
            return (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int listen(MemorySegment st, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(st, fd, backlog);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int connect(MemorySegment st, int fd, MemorySegment addr) {
        try {
            return (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int accept4(MemorySegment st, int fd, MemorySegment addr, MemorySegment lenInOut, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(st, fd, addr, lenInOut, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getsockname(MemorySegment st, int fd, MemorySegment addr, MemorySegment lenInOut) {
        try {
            return (int) GETSOCKNAME.invokeExact(st, fd, addr, lenInOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long recv(MemorySegment st, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) RECV.invokeExact(st, fd, buf, len, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** send(2) of {@code b[off, off + len)}: see {@link #SEND_HEAP}. */
    static long send(MemorySegment st, int fd, byte[] b, int off, int len, int flags) {
        try {
            return (long) SEND_HEAP.invokeExact(st, fd, MemorySegment.ofArray(b).asSlice(off, len), (long) len, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int shutdown(MemorySegment st, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(st, fd, how);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment st, int fd) {
        try {
            return (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollCreate1(MemorySegment st, int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(st, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollCtl(MemorySegment st, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(st, epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** epoll_wait(2): blocks; only the pollers' platform threads call it. */
    static int epollWait(MemorySegment st, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(st, epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @SuppressWarnings("restricted") // linking libc is this class's purpose; the JVM runs with native access enabled
    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        MemorySegment addr = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(addr, fd, CAPTURE);
    }

    @SuppressWarnings("restricted") // as above
    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option option) {
        MemorySegment addr = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(addr, fd, CAPTURE, option);
    }

    @SuppressWarnings("restricted") // as handle(): strerror needs no errno capture
    private static MethodHandle strerrorHandle() {
        return LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
