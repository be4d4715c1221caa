package dev.viaduct.bfd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the BFD transport needs, as FFM downcalls that capture {@code errno} immediately
 * ({@link Linker.Option#captureCallState}): socket, bind, setsockopt, sendto, recvmsg, poll, eventfd, and
 * open/setns for entering a network namespace. {@code DatagramChannel} cannot set IP_TTL on unicast or report
 * the received TTL, which GTSM (RFC 5881 §5) needs; this class is deliberately separate from the netlink
 * module's FFM code so the library has no dependency on it.
 *
 * <p>Constants are the Linux x86-64/arm64 values from the glibc and kernel headers named beside them. Every
 * method is stateless and thread-safe given its own call-state segment; {@link #setns} must only be called on
 * a dedicated platform thread (it changes that OS thread's namespace).
 */
final class Libc {
    // <bits/socket.h>, <bits/socket_type.h>
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    // <asm-generic/socket.h>
    static final int SOL_SOCKET = 1;
    static final int SO_PRIORITY = 12;
    static final int SO_BINDTODEVICE = 25;
    // <netinet/in.h>, <linux/in.h>, <linux/in6.h>
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_IPV6 = 41;
    static final int IP_TOS = 1;
    static final int IP_TTL = 2;
    static final int IP_RECVTTL = 12;
    static final int IPV6_UNICAST_HOPS = 16;
    static final int IPV6_V6ONLY = 26;
    static final int IPV6_RECVHOPLIMIT = 51;
    static final int IPV6_HOPLIMIT = 52;
    static final int IPV6_TCLASS = 67;
    // <bits/socket.h> message flags
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_TRUNC = 0x20;
    // <fcntl.h>, <sched.h>, <sys/eventfd.h>, <poll.h>
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final short POLLIN = 1;
    // <asm-generic/errno-base.h>, <asm-generic/errno.h>
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EADDRINUSE = 98;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = handle("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = handle("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = handle("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = handle("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle STRERROR = strerrorHandle();

    private Libc() {
    }

    /** A segment to receive errno; one per thread (or per confined user) at a time. */
    static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    @SuppressWarnings("restricted") // linking libc is this class's purpose; the JVM runs with native access enabled
    private static MethodHandle strerrorHandle() {
        return LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
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

    @SuppressWarnings("restricted") // linking libc is this class's purpose; the JVM runs with native access enabled
    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment addr = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(addr, fd, options);
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

    private static int check(int rc, MemorySegment st, String op) throws BfdSocketException {
        if (rc < 0) {
            throw new BfdSocketException(op, errno(st));
        }
        return rc;
    }

    private static long check(long rc, MemorySegment st, String op) throws BfdSocketException {
        if (rc < 0) {
            throw new BfdSocketException(op, errno(st));
        }
        return rc;
    }

    static int socket(MemorySegment st, int domain, int type, int protocol) throws BfdSocketException {
        int rc;
        try {
            rc = (int) SOCKET.invokeExact(st, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "socket(" + domain + ", " + type + ")");
    }

    static void bind(MemorySegment st, int fd, MemorySegment addr, String what) throws BfdSocketException {
        int rc;
        try {
            rc = (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "bind(" + what + ")");
    }

    static void getsockname(MemorySegment st, int fd, MemorySegment addr, MemorySegment lenInOut) throws BfdSocketException {
        int rc;
        try {
            rc = (int) GETSOCKNAME.invokeExact(st, fd, addr, lenInOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "getsockname(fd " + fd + ")");
    }

    static void setsockopt(MemorySegment st, int fd, int level, int option, MemorySegment value, String what)
            throws BfdSocketException {
        int rc;
        try {
            rc = (int) SETSOCKOPT.invokeExact(st, fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "setsockopt(" + what + ")");
    }

    static long sendto(MemorySegment st, int fd, MemorySegment buf, long len, int flags, MemorySegment to, String what)
            throws BfdSocketException {
        long rc;
        try {
            rc = (long) SENDTO.invokeExact(st, fd, buf, len, flags, to, (int) to.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "sendto(" + what + ")");
    }

    /** recvmsg(2); returns the byte count or -1 with errno in {@code st} (EAGAIN is routine, not thrown). */
    static long recvmsg(MemorySegment st, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(MemorySegment st, int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(st, fd);
            if (rc < 0) {
                System.getLogger(Libc.class.getName()).log(System.Logger.Level.WARNING,
                        "bfd close fd=" + fd + " errno=" + errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(2); returns the number of ready descriptors, 0 on timeout, -1 on EINTR. */
    static int poll(MemorySegment st, MemorySegment fds, long nfds, int timeoutMillis) throws BfdSocketException {
        int rc;
        try {
            rc = (int) POLL.invokeExact(st, fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc < 0 && errno(st) == EINTR) {
            return -1;
        }
        return check(rc, st, "poll");
    }

    static int eventfd(MemorySegment st, int flags) throws BfdSocketException {
        int rc;
        try {
            rc = (int) EVENTFD.invokeExact(st, 0, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "eventfd");
    }

    /** read(2); -1 with errno on failure (EAGAIN on an empty non-blocking eventfd is routine). */
    static long read(MemorySegment st, int fd, MemorySegment buf, long len) {
        try {
            return (long) READ.invokeExact(st, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(MemorySegment st, int fd, MemorySegment buf, long len) {
        try {
            return (long) WRITE.invokeExact(st, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int open(Arena arena, MemorySegment st, String path, int flags) throws BfdSocketException {
        int rc;
        try {
            rc = (int) OPEN.invokeExact(st, arena.allocateFrom(path), flags, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "open(" + path + ")");
    }

    /** setns(2): moves the calling OS thread, and only it, into the namespace {@code fd} refers to. */
    static void setns(MemorySegment st, int fd, int nstype, String what) throws BfdSocketException {
        int rc;
        try {
            rc = (int) SETNS.invokeExact(st, fd, nstype);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "setns(" + what + ")");
    }

    /** if_nametoindex(3); throws (ENODEV) when there is no such interface in the calling thread's namespace. */
    static int ifNameToIndex(Arena arena, MemorySegment st, String name) throws BfdSocketException {
        int rc;
        try {
            rc = (int) IF_NAMETOINDEX.invokeExact(st, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc == 0) {
            throw new BfdSocketException("if_nametoindex(" + name + ")", errno(st));
        }
        return rc;
    }
}
