package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import dev.viaduct.sys.libc.SockAddr;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A listening socket that accepts without blocking a thread in the kernel, and holds the TCP MD5 keys of the
 * peers allowed to connect: Linux looks a SYN's source address up among the listener's keys (RFC 2385 §2.0:
 * a segment whose signature is missing or wrong is dropped, counted in {@code TcpExt: TCPMD5NotFound} /
 * {@code TCPMD5Failure}) and copies the key to the accepted socket, so the whole connection is signed.
 *
 * <p>Concurrency: accept from one thread at a time; {@link #setPassword} from any thread (it takes the
 * socket's lock); {@link #close} wakes a blocked accept, which then fails with "socket closed".
 */
final class TcpListener implements Transport.Listener {
    private static final System.Logger LOG = System.getLogger(TcpListener.class.getName());

    private final NativeSocket socket;
    private final InetSocketAddress local;
    private final MemorySegment peerAddress;
    private final MemorySegment peerLength;

    TcpListener(NativeSocket socket, InetSocketAddress local) {
        this.socket = socket;
        this.local = local;
        socket.describe("listen " + local.getAddress().getHostAddress() + ":" + local.getPort());
        this.peerAddress = socket.arena.allocate(SockAddr.STORAGE_SIZE, 8);
        this.peerLength = socket.arena.allocate(JAVA_INT);
    }

    /**
     * Waits for and returns the next connection. Running out of file descriptors or kernel memory (EMFILE,
     * ENFILE, ENOBUFS, ENOMEM) does not end the listener: the connection stays queued in the kernel and
     * accept retries with a growing pause (50 ms to 1 s), logging once per episode. A full mesh at start-up,
     * when connection collisions briefly double the sockets, is where this happens (bench/bgp-scale); the
     * speaker treats an exception from accept as the end of its listener.
     */
    @Override
    public Transport.Connection accept() throws IOException {
        long pauseMillis = 0;
        while (true) {
            CompletableFuture<Void> ready = null;
            int shortage = 0;
            socket.lock.lock();
            try {
                socket.ensureOpen();
                peerLength.set(JAVA_INT, 0, SockAddr.STORAGE_SIZE);
                int fd = Syscalls.accept4(socket.state, socket.fd, peerAddress, peerLength,
                        Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
                if (fd >= 0) {
                    if (pauseMillis > 0) {
                        LOG.log(Level.INFO, "event=accept-resumed listener={0}", socket.description());
                    }
                    return accepted(fd);
                }
                int errno = socket.errno();
                if (errno == Errno.EINTR || errno == Errno.ECONNABORTED) {
                    continue; // accept(2): a connection reset while queued is not the listener's failure
                }
                if (errno == Errno.EMFILE || errno == Errno.ENFILE || errno == Errno.ENOBUFS || errno == Errno.ENOMEM) {
                    shortage = errno;
                } else if (errno != Errno.EAGAIN) {
                    throw socket.failure("accept4(" + socket.description() + ")");
                } else {
                    ready = socket.arm(Poller.reading());
                }
            } finally {
                socket.lock.unlock();
            }
            if (shortage != 0) {
                if (pauseMillis == 0) {
                    LOG.log(Level.WARNING, "event=accept-deferred listener={0} errno={1} error=\"{2}\" retry=\"every 50 ms to 1 s until it succeeds\"",
                            socket.description(), shortage, Errno.describe(shortage));
                }
                pauseMillis = pauseMillis == 0 ? 50 : Math.min(1000, pauseMillis * 2);
                socket.pause(pauseMillis, "accept4(" + socket.description() + ")");
                continue;
            }
            socket.await(Poller.reading(), ready, 0, "accept4(" + socket.description() + ")");
        }
    }

    /** Under the lock: wraps an accepted fd; closes it if even that fails. */
    private Transport.Connection accepted(int fd) throws IOException {
        InetSocketAddress remote = SockAddr.read(peerAddress);
        NativeSocket s = new NativeSocket(fd, socket.family, "accepted from " + remote);
        try {
            s.lock.lock();
            try {
                s.setInt(Libc.IPPROTO_TCP, Syscalls.TCP_NODELAY, 1, "TCP_NODELAY");
                InetSocketAddress localEnd = TcpMd5Transport.localAddress(s);
                return new TcpConnection(s, localEnd, remote);
            } finally {
                s.lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    /**
     * Sets (or with null removes) the TCP MD5 key for connections from {@code peer}. Setting replaces an
     * existing key for the address; removing a key that is not there is not an error. The password is checked
     * before the socket is touched.
     */
    @Override
    public void setPassword(InetAddress peer, String password) throws IOException {
        Md5Key key = password == null ? Md5Key.deletion(peer) : Md5Key.of(peer, password);
        if (socket.family == Libc.AF_INET && peer.getAddress().length != 4) {
            throw new IOException("TCP MD5 password for peer " + peer.getHostAddress() + ": the peer is IPv6 but "
                    + socket.description() + " is an IPv4 socket");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sig = key.encode(arena, socket.family);
            socket.lock.lock();
            try {
                socket.ensureOpen();
                try {
                    Libc.setsockopt(socket.state, socket.fd, Libc.IPPROTO_TCP, Syscalls.TCP_MD5SIG, sig);
                } catch (ErrnoException e) {
                    if (key.deletes() && e.errno() == Errno.ENOENT) {
                        return; // no key for this peer: nothing to remove
                    }
                    throw SocketCallException.of("setsockopt(TCP_MD5SIG for peer " + peer.getHostAddress() + " on " + socket.description() + ")", e);
                }
            } finally {
                socket.lock.unlock();
            }
        }
        LOG.log(Level.INFO, "event=md5-key-{0} listener={1} peer={2}", key.deletes() ? "removed" : "set",
                socket.description(), peer.getHostAddress());
    }

    /** Wakes a blocked {@link #accept} and closes the socket; connections already accepted stay open. */
    @Override
    public void close() {
        socket.close();
    }

    @Override
    public String toString() {
        return "TcpListener[" + socket.description() + "]";
    }
}
