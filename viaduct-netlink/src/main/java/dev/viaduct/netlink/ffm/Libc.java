package dev.viaduct.netlink.ffm;

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
 * The libc calls the library needs, as FFM downcall handles that capture {@code errno} right after the
 * call ({@link Linker.Option#captureCallState}; reading errno later from Java would see whatever the JVM
 * did in between). Each wrapper takes a call-state segment from {@link #newCallState}: sockets keep one
 * (guarded by their own confinement), one-off calls allocate one in a short-lived arena.
 *
 * <p>Constants are the x86-64/arm64 Linux values from the glibc and kernel headers named beside them.
 * Every method is stateless and thread-safe; calls that change the calling thread's namespace
 * ({@link #setns}, {@link #unshare}) must only be made on dedicated platform threads.
 */
public final class Libc {
    // <bits/socket_type.h>, <fcntl.h>, <sched.h>, <sys/mount.h>, <sys/eventfd.h>, <poll.h>, <asm-generic/socket.h>
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_SHARED = 1L << 20;
    public static final int MNT_DETACH = 2;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final short POLLIN = 1;
    /** linux/nsfs.h: {@code _IO(0xb7, 0x3)}, returns the CLONE_NEW* type of a namespace fd. */
    public static final long NS_GET_NSTYPE = 0xb703;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = handle("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = handle("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SEND = handle("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECVFROM = handle("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle UNLINK = handle("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MKDIR = handle("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MOUNT = handle("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = handle("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE = handle("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = handle("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle WRITE = handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle READ = handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private Libc() {
    }

    /** A segment to receive errno; reuse it for calls made by one thread at a time. */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    @SuppressWarnings("restricted") // linking native code is this package's purpose; the JVM runs with native access enabled
    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment addr = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
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

    public static int socket(MemorySegment st, int domain, int type, int protocol) {
        try {
            int rc = (int) SOCKET.invokeExact(st, domain, type, protocol);
            if (rc < 0) {
                throw new ErrnoException("socket(" + domain + ", " + type + ", " + protocol + ")", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void bind(MemorySegment st, int fd, MemorySegment addr) {
        try {
            int rc = (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
            if (rc < 0) {
                throw new ErrnoException("bind(fd " + fd + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void getsockname(MemorySegment st, int fd, MemorySegment addr, MemorySegment lenInOut) {
        try {
            int rc = (int) GETSOCKNAME.invokeExact(st, fd, addr, lenInOut);
            if (rc < 0) {
                throw new ErrnoException("getsockname(fd " + fd + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void setsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value) {
        try {
            int rc = (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, (int) value.byteSize());
            if (rc < 0) {
                throw new ErrnoException("setsockopt(fd " + fd + ", level " + level + ", option " + name + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void getsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value, MemorySegment lenInOut) {
        try {
            int rc = (int) GETSOCKOPT.invokeExact(st, fd, level, name, value, lenInOut);
            if (rc < 0) {
                throw new ErrnoException("getsockopt(fd " + fd + ", level " + level + ", option " + name + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long send(MemorySegment st, int fd, MemorySegment buf, long len, int flags) {
        try {
            long rc = (long) SEND.invokeExact(st, fd, buf, len, flags);
            if (rc < 0) {
                throw new ErrnoException("send(fd " + fd + ", " + len + " bytes)", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvfrom(2); returns the byte count, or the full datagram length when {@code flags} has MSG_TRUNC. */
    public static long recvfrom(MemorySegment st, int fd, MemorySegment buf, long len, int flags, MemorySegment from,
            MemorySegment fromLen) {
        try {
            long rc = (long) RECVFROM.invokeExact(st, fd, buf, len, flags, from, fromLen);
            if (rc < 0) {
                throw new ErrnoException("recvfrom(fd " + fd + ")", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(MemorySegment st, int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(st, fd);
            if (rc < 0) {
                throw new ErrnoException("close(fd " + fd + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(Arena arena, MemorySegment st, String path, int flags, int mode) {
        try {
            int rc = (int) OPEN.invokeExact(st, arena.allocateFrom(path), flags, mode);
            if (rc < 0) {
                throw new ErrnoException("open(" + path + ")", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void unlink(Arena arena, MemorySegment st, String path) {
        try {
            int rc = (int) UNLINK.invokeExact(st, arena.allocateFrom(path));
            if (rc < 0) {
                throw new ErrnoException("unlink(" + path + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void mkdir(Arena arena, MemorySegment st, String path, int mode) {
        try {
            int rc = (int) MKDIR.invokeExact(st, arena.allocateFrom(path), mode);
            if (rc < 0) {
                throw new ErrnoException("mkdir(" + path + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mount(2); {@code source} and {@code fstype} may be null. */
    public static void mount(Arena arena, MemorySegment st, String source, String target, String fstype, long flags) {
        try {
            MemorySegment src = source == null ? MemorySegment.NULL : arena.allocateFrom(source);
            MemorySegment fs = fstype == null ? MemorySegment.NULL : arena.allocateFrom(fstype);
            int rc = (int) MOUNT.invokeExact(st, src, arena.allocateFrom(target), fs, flags, MemorySegment.NULL);
            if (rc < 0) {
                throw new ErrnoException("mount(" + source + ", " + target + ", flags 0x" + Long.toHexString(flags) + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void umount2(Arena arena, MemorySegment st, String target, int flags) {
        try {
            int rc = (int) UMOUNT2.invokeExact(st, arena.allocateFrom(target), flags);
            if (rc < 0) {
                throw new ErrnoException("umount2(" + target + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setns(2): moves the calling OS thread (only) into the namespace {@code fd} refers to. */
    public static void setns(MemorySegment st, int fd, int nstype) {
        try {
            int rc = (int) SETNS.invokeExact(st, fd, nstype);
            if (rc < 0) {
                throw new ErrnoException("setns(fd " + fd + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** unshare(2): with CLONE_NEWNET gives the calling OS thread (only) a new network namespace. */
    public static void unshare(MemorySegment st, int flags) {
        try {
            int rc = (int) UNSHARE.invokeExact(st, flags);
            if (rc < 0) {
                throw new ErrnoException("unshare(0x" + Integer.toHexString(flags) + ")", errno(st));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) with one integer argument (0 when the request takes none). */
    public static int ioctl(MemorySegment st, int fd, long request, long arg) {
        try {
            int rc = (int) IOCTL.invokeExact(st, fd, request, arg);
            if (rc < 0) {
                throw new ErrnoException("ioctl(fd " + fd + ", 0x" + Long.toHexString(request) + ")", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int eventfd(MemorySegment st, int initval, int flags) {
        try {
            int rc = (int) EVENTFD.invokeExact(st, initval, flags);
            if (rc < 0) {
                throw new ErrnoException("eventfd", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(2); returns the number of ready descriptors (0 on timeout). */
    public static int poll(MemorySegment st, MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            int rc = (int) POLL.invokeExact(st, fds, nfds, timeoutMillis);
            if (rc < 0) {
                throw new ErrnoException("poll", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(MemorySegment st, int fd, MemorySegment buf, long len) {
        try {
            long rc = (long) WRITE.invokeExact(st, fd, buf, len);
            if (rc < 0) {
                throw new ErrnoException("write(fd " + fd + ")", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long read(MemorySegment st, int fd, MemorySegment buf, long len) {
        try {
            long rc = (long) READ.invokeExact(st, fd, buf, len);
            if (rc < 0) {
                throw new ErrnoException("read(fd " + fd + ")", errno(st));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
