package dev.viaduct.bgp.speaker;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Connections inside the process, for {@link JitWarmup}'s session between two speakers: no socket, no port,
 * nothing another process can see. Every speaker of one warm-up gets its own instance (it knows the speaker's
 * address, the source of its outgoing connections) over one shared registry of listeners.
 *
 * <p>Concurrency: each direction of a connection is a bounded byte ring guarded by its own lock; readers and
 * writers (virtual threads) block on its conditions. Closing either end closes both directions, which
 * unblocks both sides, as {@link Transport.Connection} requires.
 */
final class MemoryTransport implements Transport {
    private final Map<InetSocketAddress, MemoryListener> registry;
    private final InetAddress self;
    private final AtomicInteger ports;

    private MemoryTransport(Map<InetSocketAddress, MemoryListener> registry, InetAddress self, AtomicInteger ports) {
        this.registry = registry;
        this.self = self;
        this.ports = ports;
    }

    /** Transports for speakers at {@code addresses}, all able to reach each other's listeners. */
    static MemoryTransport[] network(InetAddress... addresses) {
        Map<InetSocketAddress, MemoryListener> registry = new ConcurrentHashMap<>();
        AtomicInteger ports = new AtomicInteger(40_000);
        MemoryTransport[] t = new MemoryTransport[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            t[i] = new MemoryTransport(registry, addresses[i], ports);
        }
        return t;
    }

    @Override
    public Connection connect(InetSocketAddress remote, InetAddress localBind, String md5Password, int timeoutMillis)
            throws IOException {
        MemoryListener l = registry.get(remote);
        if (l == null || l.closed) {
            throw new ConnectException("nothing listens on " + remote + " (in-process transport)");
        }
        Pipe up = new Pipe();
        Pipe down = new Pipe();
        InetSocketAddress local = new InetSocketAddress(localBind != null ? localBind : self, ports.incrementAndGet());
        MemoryConnection ours = new MemoryConnection(down, up, local, remote);
        MemoryConnection theirs = new MemoryConnection(up, down, remote, local);
        l.pending.add(theirs);
        return ours;
    }

    @Override
    public Listener listen(InetSocketAddress local) throws IOException {
        MemoryListener l = new MemoryListener(local);
        if (registry.putIfAbsent(local, l) != null) {
            throw new IOException(local + " is in use (in-process transport)");
        }
        return l;
    }

    @Override
    public boolean supportsMd5() {
        return false;
    }

    private final class MemoryListener implements Listener {
        private static final MemoryConnection CLOSED = new MemoryConnection(null, null, null, null);
        final LinkedBlockingQueue<MemoryConnection> pending = new LinkedBlockingQueue<>();
        final InetSocketAddress address;
        volatile boolean closed;

        MemoryListener(InetSocketAddress address) {
            this.address = address;
        }

        @Override
        public Connection accept() throws IOException {
            try {
                MemoryConnection c = closed ? CLOSED : pending.take();
                if (c == CLOSED) {
                    pending.add(CLOSED); // for any other acceptor
                    throw new IOException("listener closed");
                }
                return c;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("accept interrupted");
            }
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public void close() {
            closed = true;
            registry.remove(address, this);
            pending.add(CLOSED);
        }
    }

    private record MemoryConnection(Pipe in, Pipe out, InetSocketAddress localAddress, InetSocketAddress remoteAddress)
            implements Connection {
        @Override
        public InputStream input() {
            return in.reader;
        }

        @Override
        public OutputStream output() {
            return out.writer;
        }

        @Override
        public void close() {
            in.close();
            out.close();
        }
    }

    /**
     * One direction: a 64 KiB ring (16 maximum-size BGP messages, or one extended message of RFC 8654; a writer
     * of a larger burst waits for the reader, as on a socket).
     */
    private static final class Pipe {
        private final byte[] ring = new byte[1 << 16];
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition readable = lock.newCondition();
        private final Condition writable = lock.newCondition();
        private int head;
        private int size;
        private boolean closed;

        final InputStream reader = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                lock.lock();
                try {
                    while (size == 0 && !closed) {
                        readable.awaitUninterruptibly();
                    }
                    if (size == 0) {
                        return -1;
                    }
                    int n = Math.min(len, size);
                    for (int i = 0; i < n; i++) {
                        b[off + i] = ring[(head + i) & (ring.length - 1)];
                    }
                    head = (head + n) & (ring.length - 1);
                    size -= n;
                    writable.signalAll();
                    return n;
                } finally {
                    lock.unlock();
                }
            }
        };

        final OutputStream writer = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                lock.lock();
                try {
                    while (len > 0) {
                        while (size == ring.length && !closed) {
                            writable.awaitUninterruptibly();
                        }
                        if (closed) {
                            throw new IOException("connection closed (in-process transport)");
                        }
                        int n = Math.min(len, ring.length - size);
                        int tail = head + size;
                        for (int i = 0; i < n; i++) {
                            ring[(tail + i) & (ring.length - 1)] = b[off + i];
                        }
                        size += n;
                        off += n;
                        len -= n;
                        readable.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
            }
        };

        void close() {
            lock.lock();
            try {
                closed = true;
                readable.signalAll();
                writable.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
