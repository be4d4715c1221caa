package dev.viaduct.sys.libc;

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
 * The libc calls more than one module needs, as FFM downcalls that capture {@code errno} right after the call
 * ({@link Linker.Option#captureCallState}; errno read later from Java would be whatever the JVM did in
 * between). Every call takes a call-state segment from {@link #newCallState} as its first argument: a socket
 * keeps one (guarded by its own confinement), a one-off call allocates one in a short-lived arena. A failing
 * call throws {@link ErrnoException}; a caller for which a failure is routine (EAGAIN, EINPROGRESS) binds the
 * call itself with {@link #downcall} and reads {@link #errno} from the segment.
 *
 * <p>Constants are the x86-64/arm64 Linux values from the glibc and kernel headers named beside them. Every
 * method is stateless and thread-safe given one call-state segment per concurrent caller; {@link #setns} and
 * {@link #unshare} change only the calling OS thread, so they belong on dedicated platform threads.
 */
public final class Libc {
    // <bits/socket.h>, <bits/socket_type.h>
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    // <asm-generic/socket.h>
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_BINDTODEVICE = 25;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    // <netinet/in.h>
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_IPV6 = 41;
    // <bits/socket.h> message flags
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    // <fcntl.h>
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_CLOEXEC = 0x80000;
    // <sched.h>, <sys/mount.h>
    public static final int CLONE_NEWNET = 0x40000000;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_SHARED = 1L << 20;
    public static final int MNT_DETACH = 2;
    /** linux/nsfs.h: {@code _IO(0xb7, 0x3)}, returns the CLONE_NEW* type of a namespace fd. */
    public static final long NS_GET_NSTYPE = 0xb703;
    // <sys/eventfd.h>, <poll.h>
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final short POLLIN = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle UNLINK = downcall("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MKDIR = downcall("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MOUNT = downcall("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE = downcall("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSID = downcall("setsid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle IOCTL = downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EVENTFD = downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle READ = downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private Libc() {
    }

    /** A segment to receive errno; reuse it for calls made by one thread at a time. */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The errno the last call made with {@code callState} captured. */
    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /**
     * Binds the libc function {@code name} with errno capture: the handle takes a call-state segment
     * ({@link #newCallState}) before the arguments {@code descriptor} lists.
     *
     * @param extra further linker options, e.g. {@code firstVariadicArg} or {@code critical}
     * @throws UnsatisfiedLinkError if libc has no such symbol
     */
    @SuppressWarnings("restricted") // linking libc is this class's purpose; the JVM runs with native access enabled
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment addr = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(addr, descriptor, options);
    }

    /** A downcall without errno capture, for functions that do not set it; null if libc lacks the symbol. */
    @SuppressWarnings("restricted") // as downcall
    static MethodHandle plainDowncall(String name, FunctionDescriptor descriptor) {
        return LINKER.defaultLookup().find(name).map(addr -> LINKER.downcallHandle(addr, descriptor)).orElse(null);
    }

    /** {@code rc}, or an {@link ErrnoException} naming {@code operation} when it is negative. */
    public static int check(int rc, MemorySegment callState, String operation) {
        if (rc < 0) {
            throw new ErrnoException(operation, errno(callState));
        }
        return rc;
    }

    /** {@code rc}, or an {@link ErrnoException} naming {@code operation} when it is negative. */
    public static long check(long rc, MemorySegment callState, String operation) {
        if (rc < 0) {
            throw new ErrnoException(operation, errno(callState));
        }
        return rc;
    }

    /**
     * What a {@code MethodHandle.invokeExact} failure becomes: runtime exceptions as they are, errors thrown,
     * anything else (impossible for a downcall) wrapped.
     */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    public static int socket(MemorySegment st, int domain, int type, int protocol) {
        int rc;
        try {
            rc = (int) SOCKET.invokeExact(st, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "socket(" + domain + ", " + type + ", " + protocol + ")");
    }

    /** bind(2) to the sockaddr in {@code addr} (its whole size is the address length). */
    public static void bind(MemorySegment st, int fd, MemorySegment addr) {
        int rc;
        try {
            rc = (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "bind(fd " + fd + ")");
    }

    public static void getsockname(MemorySegment st, int fd, MemorySegment addr, MemorySegment lenInOut) {
        int rc;
        try {
            rc = (int) GETSOCKNAME.invokeExact(st, fd, addr, lenInOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "getsockname(fd " + fd + ")");
    }

    /** setsockopt(2) with the option value in {@code value} (its whole size is the option length). */
    public static void setsockopt(MemorySegment st, int fd, int level, int option, MemorySegment value) {
        int rc;
        try {
            rc = (int) SETSOCKOPT.invokeExact(st, fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "setsockopt(fd " + fd + ", level " + level + ", option " + option + ")");
    }

    /** setsockopt(2) of an {@code int} option. */
    public static void setsockopt(MemorySegment st, int fd, int level, int option, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            setsockopt(st, fd, level, option, v);
        }
    }

    public static void getsockopt(MemorySegment st, int fd, int level, int option, MemorySegment value, MemorySegment lenInOut) {
        int rc;
        try {
            rc = (int) GETSOCKOPT.invokeExact(st, fd, level, option, value, lenInOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "getsockopt(fd " + fd + ", level " + level + ", option " + option + ")");
    }

    /** getsockopt(2) of an {@code int} option. */
    public static int getsockopt(MemorySegment st, int fd, int level, int option) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) JAVA_INT.byteSize());
            getsockopt(st, fd, level, option, v, len);
            return v.get(JAVA_INT, 0);
        }
    }

    public static void close(MemorySegment st, int fd) {
        int rc;
        try {
            rc = (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "close(fd " + fd + ")");
    }

    public static int open(Arena arena, MemorySegment st, String path, int flags, int mode) {
        int rc;
        try {
            rc = (int) OPEN.invokeExact(st, arena.allocateFrom(path), flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "open(" + path + ")");
    }

    public static void unlink(Arena arena, MemorySegment st, String path) {
        int rc;
        try {
            rc = (int) UNLINK.invokeExact(st, arena.allocateFrom(path));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "unlink(" + path + ")");
    }

    public static void mkdir(Arena arena, MemorySegment st, String path, int mode) {
        int rc;
        try {
            rc = (int) MKDIR.invokeExact(st, arena.allocateFrom(path), mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "mkdir(" + path + ")");
    }

    /** mount(2); {@code source} and {@code fstype} may be null. */
    public static void mount(Arena arena, MemorySegment st, String source, String target, String fstype, long flags) {
        int rc;
        try {
            MemorySegment src = source == null ? MemorySegment.NULL : arena.allocateFrom(source);
            MemorySegment fs = fstype == null ? MemorySegment.NULL : arena.allocateFrom(fstype);
            rc = (int) MOUNT.invokeExact(st, src, arena.allocateFrom(target), fs, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "mount(" + source + ", " + target + ", flags 0x" + Long.toHexString(flags) + ")");
    }

    public static void umount2(Arena arena, MemorySegment st, String target, int flags) {
        int rc;
        try {
            rc = (int) UMOUNT2.invokeExact(st, arena.allocateFrom(target), flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "umount2(" + target + ")");
    }

    /** setns(2): moves the calling OS thread (only) into the namespace {@code fd} refers to. */
    public static void setns(MemorySegment st, int fd, int nstype) {
        int rc;
        try {
            rc = (int) SETNS.invokeExact(st, fd, nstype);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "setns(fd " + fd + ")");
    }

    /**
     * Moves the calling OS thread (only) into the network namespace whose file is {@code path} (e.g.
     * {@code /run/netns/NAME}): open, setns(2), close. Sockets the thread creates afterwards live there.
     */
    public static void joinNetworkNamespace(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = newCallState(arena);
            int fd = open(arena, st, path, O_RDONLY | O_CLOEXEC, 0);
            int rc;
            int errno;
            try {
                rc = (int) SETNS.invokeExact(st, fd, CLONE_NEWNET);
                errno = errno(st);
            } catch (Throwable t) {
                throw rethrow(t);
            } finally {
                close(st, fd);
            }
            if (rc < 0) {
                throw new ErrnoException("setns(" + path + ", CLONE_NEWNET)", errno);
            }
        }
    }

    /** unshare(2): with CLONE_NEWNET gives the calling OS thread (only) a new network namespace. */
    public static void unshare(MemorySegment st, int flags) {
        int rc;
        try {
            rc = (int) UNSHARE.invokeExact(st, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, st, "unshare(0x" + Integer.toHexString(flags) + ")");
    }

    /**
     * setsid(2): makes the calling process the leader of a new session and process group, so signals sent to
     * the group it was started in (a Ctrl-C, a supervisor's kill of its group) no longer reach it. Fails with
     * EPERM when it already leads a process group.
     *
     * @return the new session ID
     */
    public static int setsid(MemorySegment st) {
        int rc;
        try {
            rc = (int) SETSID.invokeExact(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "setsid()");
    }

    /** ioctl(2) with one integer argument (0 when the request takes none). */
    public static int ioctl(MemorySegment st, int fd, long request, long arg) {
        int rc;
        try {
            rc = (int) IOCTL.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "ioctl(fd " + fd + ", 0x" + Long.toHexString(request) + ")");
    }

    public static int eventfd(MemorySegment st, int initval, int flags) {
        int rc;
        try {
            rc = (int) EVENTFD.invokeExact(st, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "eventfd");
    }

    /** poll(2) on {@code nfds} {@code struct pollfd}s; returns the number of ready descriptors (0 on timeout). */
    public static int poll(MemorySegment st, MemorySegment fds, long nfds, int timeoutMillis) {
        int rc;
        try {
            rc = (int) POLL.invokeExact(st, fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "poll");
    }

    public static long write(MemorySegment st, int fd, MemorySegment buf, long len) {
        long rc;
        try {
            rc = (long) WRITE.invokeExact(st, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "write(fd " + fd + ")");
    }

    public static long read(MemorySegment st, int fd, MemorySegment buf, long len) {
        long rc;
        try {
            rc = (long) READ.invokeExact(st, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return check(rc, st, "read(fd " + fd + ")");
    }
}
