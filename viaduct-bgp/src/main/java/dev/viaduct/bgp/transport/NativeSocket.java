package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.io.InterruptedIOException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A non-blocking TCP socket descriptor and the rules that make closing it safe while other threads use it.
 *
 * <p>Every call on the fd — a non-blocking syscall, or arming a {@link Poller} registration — happens under
 * {@link #lock} after {@link #ensureOpen}; {@link #close} takes the same lock. So the fd number is never used
 * after close(2) (where it could name someone else's new socket), and a waiter either armed before close —
 * and is woken by close's {@link Poller#cancel} — or sees the socket closed and never parks. Threads wait for
 * readiness outside the lock, parked on a future, never inside a downcall.
 *
 * <p>Concurrency: one lock per socket; the call-state and scratch segments are only touched under it.
 */
final class NativeSocket {
    final int fd;
    final int family;
    final ReentrantLock lock = new ReentrantLock();
    /** errno of the last call; guarded by {@link #lock}. */
    final MemorySegment state;
    /** epoll_event / int scratch space; guarded by {@link #lock}. */
    final MemorySegment scratch;
    /** For buffers that live as long as the socket; GC-managed (a shared arena's close costs a handshake with every thread). */
    final Arena arena = Arena.ofAuto();
    /** Completed by {@link #close}: lets a back-off pause end early. */
    private final CompletableFuture<Void> closedSignal = new CompletableFuture<>();
    /** For messages; set once the endpoints are known, read by any thread. */
    private volatile String description;
    private boolean closed;

    NativeSocket(int fd, int family, String description) {
        this.fd = fd;
        this.family = family;
        this.description = description;
        this.state = Libc.newCallState(arena);
        this.scratch = arena.allocate(16, 8);
    }

    String description() {
        return description;
    }

    void describe(String d) {
        description = d;
    }

    /** Under the lock: throws if the socket was closed. */
    void ensureOpen() throws SocketException {
        if (closed) {
            throw new SocketException("socket closed (" + description + ")");
        }
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the errno of the last call. */
    int errno() {
        return Libc.errno(state);
    }

    /** Under the lock: an exception for the last call's errno. */
    SocketCallException failure(String operation) {
        return new SocketCallException(operation, Libc.errno(state));
    }

    /** Under the lock: sets an int socket option. */
    void setInt(int level, int option, int value, String what) throws SocketCallException {
        scratch.set(JAVA_INT, 0, value);
        try {
            Libc.setsockopt(state, fd, level, option, scratch.asSlice(0, 4));
        } catch (ErrnoException e) {
            throw SocketCallException.of("setsockopt(" + what + " on " + description + ")", e);
        }
    }

    /** Under the lock: arms a one-shot wait for readiness in {@code poller}'s direction. */
    CompletableFuture<Void> arm(Poller poller) throws SocketCallException {
        return poller.arm(fd, state, scratch);
    }

    /**
     * Outside the lock: parks until {@code ready} completes (readiness, or close) or the timeout passes;
     * false on timeout.
     *
     * @param timeoutNanos 0 or less waits without a limit
     */
    boolean await(Poller poller, CompletableFuture<Void> ready, long timeoutNanos, String what) throws IOException {
        try {
            if (timeoutNanos > 0) {
                ready.get(timeoutNanos, TimeUnit.NANOSECONDS);
            } else {
                ready.get();
            }
            return true;
        } catch (TimeoutException e) {
            poller.disarm(fd, ready);
            return false;
        } catch (InterruptedException e) {
            poller.disarm(fd, ready);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what + ": interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("readiness futures are never completed exceptionally", e);
        }
    }

    /** Outside the lock: waits {@code millis}, or less if the socket is closed meanwhile. */
    void pause(long millis, String what) throws InterruptedIOException {
        try {
            closedSignal.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the pause is over
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what + ": interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the close signal is never completed exceptionally", e);
        }
    }

    /**
     * Wakes every waiter, then shutdown(2) — the peer sees FIN even if a forked child still holds the fd — and
     * close(2). Idempotent; never throws (a socket that will not close is logged).
     */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closedSignal.complete(null);
            Poller.reading().cancel(fd);
            Poller.writing().cancel(fd);
            if (Syscalls.shutdown(state, fd, Syscalls.SHUT_RDWR) < 0 && errno() != Errno.ENOTCONN && errno() != Errno.EINVAL) {
                System.getLogger(NativeSocket.class.getName()).log(System.Logger.Level.DEBUG,
                        "event=shutdown-failed socket={0} errno={1}", description, errno());
            }
            try {
                Libc.close(state, fd);
            } catch (ErrnoException e) {
                System.getLogger(NativeSocket.class.getName()).log(System.Logger.Level.WARNING,
                        "event=close-failed socket={0} errno={1}", description, e.errno());
            }
        } finally {
            lock.unlock();
        }
    }
}
