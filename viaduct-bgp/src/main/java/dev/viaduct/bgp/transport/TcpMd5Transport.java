package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import dev.viaduct.sys.libc.SockAddr;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The BGP speaker's {@link Transport} with TCP MD5 signatures (RFC 2385), which {@code java.net} cannot set:
 * sockets are made through FFM, and a peer's key ({@code setsockopt(TCP_MD5SIG)}, see {@link Md5Key}) is set
 * on the connecting socket before connect(2), and on the listening socket per peer address
 * ({@link Transport.Listener#setPassword}), IPv4 and IPv6.
 *
 * <p><b>Every</b> BGP connection of the agent goes through this transport, with or without a password:
 * the listener has to be this one anyway (it holds the keys of the peers that have one, and accepts the
 * others unsigned), and one code path for all peers means the unsigned sessions of every BGP-mode test
 * exercise the same I/O the signed ones use.
 *
 * <p>Concurrency and threads: all sockets are non-blocking. The speaker's (virtual) threads make only
 * short non-blocking downcalls; when one must wait — no data, a full send buffer, no pending connection, a
 * connect in progress — it parks on a future while one platform thread per direction, shared by the JVM
 * ({@link Poller}), blocks in {@code epoll_wait}. So no virtual thread ever blocks in a downcall (which
 * would pin its carrier), and a thousand idle sessions cost two platform threads, not a thousand. Closing a
 * connection or listener wakes its blocked threads at once (see {@link NativeSocket#close}).
 *
 * <p>Sockets are created in the network namespace of the calling thread — for the agent, its own — or, with
 * {@link #inNamespace}, in a given one (socket(2) is the only call that depends on the namespace).
 */
public final class TcpMd5Transport implements Transport {
    private static final int BACKLOG = 128;

    /** The namespace file sockets are made in, or null for the calling thread's namespace. */
    private final Path namespace;

    /** Sockets in the calling thread's network namespace (the agent's). */
    public TcpMd5Transport() {
        this(null);
    }

    private TcpMd5Transport(Path namespace) {
        this.namespace = namespace;
    }

    /**
     * Sockets created inside the network namespace whose file is {@code namespace} (e.g. {@code /run/netns/NAME}),
     * each on a short-lived platform thread that joined it; everything after socket(2) works from any thread.
     */
    public static TcpMd5Transport inNamespace(Path namespace) {
        return new TcpMd5Transport(Objects.requireNonNull(namespace, "namespace"));
    }

    @Override
    public boolean supportsMd5() {
        return true;
    }

    /**
     * Connects to {@code remote}: socket, TCP_NODELAY, bind to {@code localBind} (port chosen by the kernel),
     * the MD5 key for {@code remote} when {@code md5Password} is given, then a non-blocking connect that parks
     * until the handshake finishes, fails or {@code timeoutMillis} (0 = no limit) passes. Nothing is left open
     * when it throws; a bad password throws {@link InvalidMd5KeyException} before any socket exists.
     */
    @Override
    public Connection connect(InetSocketAddress remote, InetAddress localBind, String md5Password, int timeoutMillis) throws IOException {
        InetAddress peer = remote.getAddress();
        Md5Key key = md5Password == null ? null : Md5Key.of(peer, md5Password);
        int family = SockAddr.family(peer);
        if (localBind != null && SockAddr.family(localBind) != family) {
            throw new IOException("connect to " + remote + ": local address " + localBind.getHostAddress() + " is not of the peer's family");
        }
        String what = "connect(" + peer.getHostAddress() + ":" + remote.getPort()
                + (localBind == null ? "" : " from " + localBind.getHostAddress()) + ")";
        NativeSocket s = new NativeSocket(newSocket(family, what), family, what);
        long deadline = timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment remoteAddr = arena.allocate(SockAddr.size(family), 8);
            SockAddr.write(remoteAddr, 0, family, peer, remote.getPort());
            s.lock.lock();
            try {
                s.setInt(Libc.IPPROTO_TCP, Syscalls.TCP_NODELAY, 1, "TCP_NODELAY");
                if (localBind != null) {
                    MemorySegment sa = arena.allocate(SockAddr.size(family), 8);
                    SockAddr.write(sa, 0, family, localBind, 0);
                    try {
                        Libc.bind(s.state, s.fd, sa);
                    } catch (ErrnoException e) {
                        throw SocketCallException.of("bind(" + localBind.getHostAddress() + ") for " + what, e);
                    }
                }
                if (key != null) {
                    // before connect(2): the SYN must already carry the signature (RFC 2385 §2.0)
                    try {
                        Libc.setsockopt(s.state, s.fd, Libc.IPPROTO_TCP, Syscalls.TCP_MD5SIG, key.encode(arena, family));
                    } catch (ErrnoException e) {
                        throw SocketCallException.of("setsockopt(TCP_MD5SIG for peer " + peer.getHostAddress() + ") for " + what, e);
                    }
                }
            } finally {
                s.lock.unlock();
            }
            awaitConnected(s, remoteAddr, deadline, timeoutMillis, what);
            s.lock.lock();
            try {
                s.ensureOpen();
                return new TcpConnection(s, localAddress(s), remote);
            } finally {
                s.lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * connect(2) on a non-blocking socket answers EINPROGRESS; calling it again after the socket became
     * writable answers 0/EISCONN once connected, EALREADY while still in progress (a spurious wake-up), or
     * the handshake's error (ECONNREFUSED, ETIMEDOUT, ...).
     */
    private static void awaitConnected(NativeSocket s, MemorySegment remoteAddr, long deadline, int timeoutMillis, String what)
            throws IOException {
        while (true) {
            CompletableFuture<Void> ready;
            s.lock.lock();
            try {
                s.ensureOpen();
                if (Syscalls.connect(s.state, s.fd, remoteAddr) == 0 || s.errno() == Errno.EISCONN) {
                    return;
                }
                int errno = s.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno != Errno.EINPROGRESS && errno != Errno.EALREADY) {
                    throw s.failure(what);
                }
                ready = s.arm(Poller.writing());
            } finally {
                s.lock.unlock();
            }
            long left = deadline == 0 ? 0 : deadline - System.nanoTime();
            if (deadline != 0 && (left <= 0 || !s.await(Poller.writing(), ready, left, what))) {
                Poller.writing().disarm(s.fd, ready);
                throw new SocketTimeoutException(what + ": timed out after " + timeoutMillis + " ms");
            }
            if (deadline == 0) {
                s.await(Poller.writing(), ready, 0, what);
            }
        }
    }

    /**
     * Listens on {@code local} (port 0: the kernel picks one) with SO_REUSEADDR, so a restarted agent can
     * listen again while its old connections linger in TIME_WAIT.
     */
    @Override
    public Listener listen(InetSocketAddress local) throws IOException {
        InetAddress address = local.getAddress();
        int family = SockAddr.family(address);
        String what = "listen(" + address.getHostAddress() + ":" + local.getPort() + ")";
        NativeSocket s = new NativeSocket(newSocket(family, what), family, what);
        try (Arena arena = Arena.ofConfined()) {
            s.lock.lock();
            try {
                s.setInt(Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1, "SO_REUSEADDR");
                MemorySegment sa = arena.allocate(SockAddr.size(family), 8);
                SockAddr.write(sa, 0, family, address, local.getPort());
                try {
                    Libc.bind(s.state, s.fd, sa);
                } catch (ErrnoException e) {
                    throw SocketCallException.of("bind(" + address.getHostAddress() + ":" + local.getPort() + ")", e);
                }
                if (Syscalls.listen(s.state, s.fd, BACKLOG) < 0) {
                    throw s.failure(what);
                }
                return new TcpListener(s, localAddress(s));
            } finally {
                s.lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Under {@code s}'s lock: getsockname(2). */
    static InetSocketAddress localAddress(NativeSocket s) throws SocketCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, SockAddr.STORAGE_SIZE);
            try {
                Libc.getsockname(s.state, s.fd, sa, len);
            } catch (ErrnoException e) {
                throw SocketCallException.of("getsockname(" + s.description() + ")", e);
            }
            return SockAddr.read(sa);
        }
    }

    /** socket(2), non-blocking and close-on-exec, in this transport's namespace. */
    private int newSocket(int family, String what) throws IOException {
        if (namespace == null) {
            return createSocket(family, what);
        }
        CompletableFuture<Integer> fd = new CompletableFuture<>();
        // setns(2) moves only the calling OS thread, and for good: a fresh platform thread that then ends
        Thread.ofPlatform().name("tcp-md5-socket").start(() -> {
            try {
                Libc.joinNetworkNamespace(namespace.toString());
                fd.complete(createSocket(family, what));
            } catch (ErrnoException e) {
                fd.completeExceptionally(SocketCallException.of("socket for " + what + " in " + namespace, e));
            } catch (Throwable t) {
                fd.completeExceptionally(t);
            }
        });
        try {
            return fd.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("socket for " + what + " in " + namespace + ": interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw Libc.rethrow(e.getCause());
        }
    }

    private static int createSocket(int family, String what) throws SocketCallException {
        try (Arena arena = Arena.ofConfined()) {
            return Libc.socket(Libc.newCallState(arena), family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        } catch (ErrnoException e) {
            throw SocketCallException.of("socket for " + what, e);
        }
    }
}
