package dev.viaduct.netlink;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open handle on a network namespace: a file descriptor from {@code /run/netns/<name>},
 * {@code /proc/<pid>/ns/net} or any bind mount of one. While the handle is open the namespace lives, even if
 * its name is deleted.
 *
 * <p>Named namespaces are compatible with {@code ip netns}: {@link #create} makes {@code /run/netns} a shared
 * mount point, creates {@code /run/netns/<name>} and bind-mounts a new namespace onto it, exactly as
 * iproute2's {@code netns_add} does, so {@code ip netns exec}, {@code ip -n} and CNI runtimes see it; and
 * {@link #delete} unmounts and unlinks, like {@code ip netns del}.
 *
 * <p>Concurrency: a handle is immutable (its fd) and safe to share between threads; {@link #close} it once no
 * request that names it (IFLA_NET_NS_FD) or task inside it is in flight.
 * Anything that must execute inside the namespace runs on a platform thread that called {@code setns}: short
 * internal steps on the library's switcher thread, caller code via {@link #run} on a fresh thread. The calling
 * thread, virtual or not, never changes namespace.
 */
public final class NetNamespace implements AutoCloseable {
    /** Where {@code ip netns} keeps named namespaces. */
    public static final Path RUN_NETNS = Path.of("/run/netns");

    private final int fd;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NetNamespace(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    /** The calling thread's network namespace (for the agent: the host's). */
    public static NetNamespace current() {
        return open(Path.of("/proc/thread-self/ns/net"), "current namespace");
    }

    /** Opens the namespace at {@code path} ({@code /var/run/netns/x}, {@code /proc/<pid>/ns/net}, ...). */
    public static NetNamespace open(Path path) {
        return open(path, path.toString());
    }

    /** Opens the network namespace of process {@code pid}. */
    public static NetNamespace openPid(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid + " must be positive");
        }
        return open(Path.of("/proc/" + pid + "/ns/net"), "pid " + pid);
    }

    /** Opens the named namespace {@code /run/netns/<name>}. */
    public static NetNamespace openNamed(String name) {
        return open(pathOf(name), name);
    }

    /** The bind-mount path of a named namespace. */
    public static Path pathOf(String name) {
        validateName(name);
        return RUN_NETNS.resolve(name);
    }

    private static NetNamespace open(Path path, String description) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd;
            try {
                fd = Libc.open(arena, st, path.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            } catch (ErrnoException e) {
                throw NetlinkException.of("netns open " + path, e.errno(), null, e);
            }
            try {
                // linux/nsfs.h NS_GET_NSTYPE: refuses anything that is not a namespace (ENOTTY), and tells
                // a network namespace from the others.
                int type = Libc.ioctl(st, fd, Libc.NS_GET_NSTYPE, 0);
                if (type != Libc.CLONE_NEWNET) {
                    throw NetlinkException.of("netns open " + path + ": namespace type 0x" + Integer.toHexString(type)
                            + " is not a network namespace", Errno.EINVAL, null);
                }
            } catch (ErrnoException e) {
                closeQuietly(st, fd);
                throw NetlinkException.of("netns open " + path + ": not a namespace file", e.errno(), null, e);
            } catch (RuntimeException e) {
                closeQuietly(st, fd);
                throw e;
            }
            return new NetNamespace(fd, description);
        }
    }

    /**
     * {@code ip netns add <name>}: creates a new network namespace (loopback down, as iproute2 leaves it)
     * and binds it to {@code /run/netns/<name>}; returns an open handle on it. If any step fails nothing is
     * left behind.
     *
     * @throws NetlinkException.AlreadyExists if the name is taken
     */
    public static NetNamespace create(String name) {
        Path path = pathOf(name);
        String op = "netns add " + name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            try {
                Libc.mkdir(arena, st, RUN_NETNS.toString(), 0755);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw NetlinkException.of(op + ": mkdir " + RUN_NETNS, e.errno(), null, e);
                }
            }
            makeRunDirShared(arena, st, op);
            int file;
            try {
                file = Libc.open(arena, st, path.toString(), Libc.O_RDONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0);
            } catch (ErrnoException e) {
                throw NetlinkException.of(op, e.errno(), e.errno() == Errno.EEXIST ? "namespace name already in use" : null, e);
            }
            Libc.close(st, file);
            try {
                // The bind mount source is the switcher thread's own namespace file: /proc/thread-self, not
                // /proc/self, whose namespace is the main thread's.
                NamespaceSwitcher.instance().callInNewNamespace(() -> {
                    try (Arena a = Arena.ofConfined()) {
                        Libc.mount(a, Libc.newCallState(a), "/proc/thread-self/ns/net", path.toString(), "none", Libc.MS_BIND);
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                try {
                    Libc.unlink(arena, st, path.toString());
                } catch (ErrnoException ignored) {
                    // reported below with the original failure
                }
                if (e instanceof ErrnoException ee) {
                    throw NetlinkException.of(op + ": bind mount", ee.errno(), null, ee);
                }
                throw e;
            }
        }
        try {
            return open(path, name);
        } catch (RuntimeException e) {
            delete(name);
            throw e;
        }
    }

    /**
     * iproute2's netns_add: make {@code /run/netns} a shared mount so a namespace bind-mounted there is visible in
     * every mount namespace; if it is not a mount point yet (EINVAL), bind-mount it onto itself first.
     */
    private static void makeRunDirShared(Arena arena, MemorySegment st, String op) {
        String dir = RUN_NETNS.toString();
        try {
            Libc.mount(arena, st, "none", dir, "none", Libc.MS_SHARED | Libc.MS_REC);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EINVAL) {
                throw NetlinkException.of(op + ": mount --make-rshared " + dir, e.errno(), null, e);
            }
            try {
                Libc.mount(arena, st, dir, dir, "none", Libc.MS_BIND | Libc.MS_REC);
                Libc.mount(arena, st, "none", dir, "none", Libc.MS_SHARED | Libc.MS_REC);
            } catch (ErrnoException e2) {
                throw NetlinkException.of(op + ": mount --bind " + dir, e2.errno(), null, e2);
            }
        }
    }

    /**
     * {@code ip netns del <name>}: lazily unmounts and removes {@code /run/netns/<name>}. The namespace itself
     * goes away when the last process, socket or handle in it is gone.
     *
     * @throws NetlinkException.NotFound if there is no such name
     */
    public static void delete(String name) {
        Path path = pathOf(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            try {
                Libc.umount2(arena, st, path.toString(), Libc.MNT_DETACH);
            } catch (ErrnoException e) {
                // as iproute2: an unmounted file is still removed
            }
            try {
                Libc.unlink(arena, st, path.toString());
            } catch (ErrnoException e) {
                throw NetlinkException.of("netns del " + name, e.errno(), null, e);
            }
        }
    }

    private static void validateName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0 || name.length() > 255) {
            throw new IllegalArgumentException("'" + name + "' is not a valid namespace name (no '/', not . or .., 1..255 chars)");
        }
    }

    /** The namespace file descriptor (for IFLA_NET_NS_FD); valid until {@link #close}. */
    public int fd() {
        if (closed.get()) {
            throw new IllegalStateException("namespace handle " + description + " is closed");
        }
        return fd;
    }

    /** The namespace's inode number: two handles refer to the same namespace iff their inodes are equal. */
    public long inode() {
        try {
            return (Long) Files.getAttribute(Path.of("/proc/self/fd/" + fd()), "unix:ino");
        } catch (IOException e) {
            throw new IllegalStateException("cannot stat namespace handle " + description, e);
        }
    }

    /** Opens an rtnetlink socket inside this namespace (created on the switcher thread; usable from any thread). */
    public Rtnl openRtnl() {
        return NamespaceSwitcher.instance().call(fd(), () -> Rtnl.openHere(description));
    }

    /** {@link #openRtnl()} with other socket buffer sizes. */
    Rtnl openRtnl(int socketBuffer) {
        return NamespaceSwitcher.instance().call(fd(), () -> Rtnl.openHere(description, socketBuffer));
    }

    /**
     * Runs {@code task} inside this namespace on a new platform thread of its own, and returns its result (or
     * rethrows its exception). For code that needs a thread in the namespace for longer than a moment —
     * starting a process, binding sockets — never for netlink, which needs only {@link #openRtnl()}.
     */
    public <T> T run(Callable<T> task) throws Exception {
        int target = fd();
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("netns-run-" + description).start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                Libc.setns(Libc.newCallState(arena), target, Libc.CLONE_NEWNET);
            } catch (ErrnoException e) {
                result.completeExceptionally(NetlinkException.of("setns into " + description, e.errno(), null, e));
                return;
            }
            // This thread is now in the namespace for good and ends with the task.
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        } finally {
            t.join();
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try (Arena arena = Arena.ofConfined()) {
                Libc.close(Libc.newCallState(arena), fd);
            }
        }
    }

    private static void closeQuietly(MemorySegment st, int fd) {
        try {
            Libc.close(st, fd);
        } catch (ErrnoException ignored) {
            // nothing to add to the failure being reported
        }
    }

    @Override
    public String toString() {
        return "netns " + description;
    }
}
