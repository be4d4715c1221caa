package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.Libc;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for sockets to become readable (or writable) so that no virtual thread ever blocks inside a
 * downcall: a thread that got EAGAIN {@link #arm arms} a one-shot registration and parks on the returned
 * future; one platform thread per direction, JVM-wide, sits in {@code epoll_wait} and completes the future of
 * every fd the kernel reports. This is the JDK's own design for virtual-thread sockets (separate read and
 * write pollers, EPOLLONESHOT), which keeps each registration's owner unambiguous: one waiter per fd and
 * direction.
 *
 * <p>Registrations are keyed by fd number. A number reused after close can at worst receive a stale event
 * for the old socket: the waiter wakes, retries its non-blocking call, gets EAGAIN and arms again, so a
 * spurious wake-up costs one syscall and is never lost.
 *
 * <p>Concurrency: {@link #arm} and {@link #cancel} are called from any thread (under the socket's lock, see
 * {@link NativeSocket}); the waiter map is concurrent; the poller thread owns its event buffer.
 */
final class Poller {
    private static final System.Logger LOG = System.getLogger(Poller.class.getName());
    /**
     * sys/epoll.h: {@code struct epoll_event { uint32_t events; epoll_data_t data; }} is
     * {@code __attribute__((packed))} on x86-64 (12 bytes, data at 4) and naturally aligned elsewhere (16, at 8).
     */
    private static final boolean PACKED = System.getProperty("os.arch").equals("amd64") || System.getProperty("os.arch").equals("x86_64");
    static final int EVENT_SIZE = PACKED ? 12 : 16;
    private static final int DATA_OFFSET = PACKED ? 4 : 8;
    private static final int MAX_EVENTS = 256;

    private static final class Instances {
        static final Poller READ = new Poller("tcp-read-poller", Syscalls.EPOLLIN);
        static final Poller WRITE = new Poller("tcp-write-poller", Syscalls.EPOLLOUT);
    }

    private final String name;
    private final int epfd;
    private final int interest;
    private final ConcurrentHashMap<Integer, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();

    private Poller(String name, int interest) {
        this.name = name;
        this.interest = interest;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(arena);
            int fd = Syscalls.epollCreate1(st, Syscalls.EPOLL_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException(new SocketCallException("epoll_create1 for " + name, Libc.errno(st)));
            }
            this.epfd = fd;
        }
        Thread.ofPlatform().name(name).daemon(true).start(this::loop);
    }

    /** Wakes threads waiting for sockets to become readable (or to have a connection to accept). */
    static Poller reading() {
        return Instances.READ;
    }

    /** Wakes threads waiting for send-buffer space (or for a connect to finish). */
    static Poller writing() {
        return Instances.WRITE;
    }

    /**
     * Registers interest in {@code fd} until its next readiness and returns what completes then. The
     * registration is level-triggered at arming: if the socket is ready already, the event fires at once, so
     * readiness that arrived between the caller's EAGAIN and this call is not missed.
     *
     * @param st a call-state segment the caller owns
     * @param event a 16-byte scratch segment the caller owns
     */
    CompletableFuture<Void> arm(int fd, MemorySegment st, MemorySegment event) throws SocketCallException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        CompletableFuture<Void> previous = waiters.put(fd, ready);
        if (previous != null) {
            previous.complete(null); // the fd was closed and reused under a waiter: let it find out
        }
        event.set(JAVA_INT, 0, interest | Syscalls.EPOLLONESHOT);
        if (PACKED) {
            event.set(JAVA_LONG_UNALIGNED, DATA_OFFSET, fd);
        } else {
            event.set(JAVA_LONG, DATA_OFFSET, fd);
        }
        // a disabled one-shot registration is re-enabled with MOD; the first one needs ADD
        int rc = Syscalls.epollCtl(st, epfd, Syscalls.EPOLL_CTL_MOD, fd, event);
        if (rc < 0 && Libc.errno(st) == Errno.ENOENT) {
            rc = Syscalls.epollCtl(st, epfd, Syscalls.EPOLL_CTL_ADD, fd, event);
            if (rc < 0 && Libc.errno(st) == Errno.EEXIST) {
                rc = Syscalls.epollCtl(st, epfd, Syscalls.EPOLL_CTL_MOD, fd, event);
            }
        }
        if (rc < 0) {
            waiters.remove(fd, ready);
            throw new SocketCallException("epoll_ctl(" + name + ", fd " + fd + ")", Libc.errno(st));
        }
        return ready;
    }

    /** Wakes whoever waits on {@code fd} (the socket is closing). */
    void cancel(int fd) {
        CompletableFuture<Void> w = waiters.remove(fd);
        if (w != null) {
            w.complete(null);
        }
    }

    /** Forgets a registration its waiter stopped waiting for (timeout, interrupt). */
    void disarm(int fd, CompletableFuture<Void> ready) {
        waiters.remove(fd, ready);
    }

    private void loop() {
        Arena arena = Arena.ofConfined(); // lives as long as this thread, i.e. the JVM
        MemorySegment st = Libc.newCallState(arena);
        MemorySegment events = arena.allocate((long) EVENT_SIZE * MAX_EVENTS, 8);
        while (true) {
            int n = Syscalls.epollWait(st, epfd, events, MAX_EVENTS, -1);
            if (n < 0) {
                int errno = Libc.errno(st);
                if (errno != Errno.EINTR) {
                    LOG.log(Level.ERROR, "event=epoll-wait-failed poller={0} errno={1} error=\"{2}\"", name, errno,
                            Errno.describe(errno));
                    LockSupport.parkNanos(10_000_000L); // not a busy loop if the error persists
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                long off = (long) i * EVENT_SIZE + DATA_OFFSET;
                int fd = (int) (PACKED ? events.get(JAVA_LONG_UNALIGNED, off) : events.get(JAVA_LONG, off));
                CompletableFuture<Void> w = waiters.remove(fd);
                if (w != null) {
                    w.complete(null);
                }
            }
        }
    }
}
