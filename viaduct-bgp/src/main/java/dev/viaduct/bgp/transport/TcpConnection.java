package dev.viaduct.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An established TCP connection on a non-blocking fd, with blocking {@link InputStream}/{@link OutputStream}
 * semantics for the speaker's reader and writer threads: a read or write that gets EAGAIN parks the calling
 * thread on the {@link Poller} (a virtual thread unmounts; its carrier stays free) and retries when the kernel
 * reports readiness. {@link #close} wakes both at once; they then fail with "socket closed".
 *
 * <p>Concurrency: one reader and one writer at a time (the speaker's model); all fd calls go through the
 * {@link NativeSocket} lock. The read buffer and its positions belong to the reader; a reader that ends on
 * {@link #whenReadable} hands them to the next one through the poller's readiness future.
 *
 * <p>Memory: a connection keeps no buffer while idle, which is most of the time (a full mesh has N(N-1) of
 * them). The reader borrows a native buffer from {@link ReadBuffers} for each recv(2) that returns data and gives
 * it back once the data is consumed; the writer sends straight from the caller's array (a critical downcall,
 * {@link Syscalls#send}).
 */
final class TcpConnection implements Transport.Connection {
    /**
     * The most bytes one send(2) takes from the caller's array: a critical downcall holds off safepoints while it
     * runs, so each stays short (four max-size BGP messages; the speaker's writer gathers no more than that).
     */
    static final int SEND_CHUNK = 16 * 1024;
    private static final ReadBuffers BUFFERS = ReadBuffers.shared();

    private final NativeSocket socket;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    /** Borrowed while it holds unread bytes, [readPos, readLimit); else null. Owned by the reader thread. */
    private MemorySegment readBuffer;
    private int readPos;
    private int readLimit;
    private final InputStream in;
    private final OutputStream out;

    TcpConnection(NativeSocket socket, InetSocketAddress local, InetSocketAddress remote) {
        this.socket = socket;
        this.local = local;
        this.remote = remote;
        socket.describe(local.getAddress().getHostAddress() + ":" + local.getPort() + "->" + remote.getAddress().getHostAddress()
                + ":" + remote.getPort());
        this.in = new Input();
        this.out = new Output();
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** Wakes a blocked reader and writer (they fail with "socket closed"), then shuts the socket down and closes it. */
    @Override
    public void close() {
        socket.close();
    }

    boolean isClosed() {
        return socket.isClosed();
    }

    /** Whether the reader holds a borrowed buffer (it has unread bytes); for tests, from the reader or after it parked. */
    boolean holdsReadBuffer() {
        return readBuffer != null;
    }

    @Override
    public String toString() {
        return "TcpConnection[" + socket.description() + "]";
    }

    /**
     * With nothing buffered, arms a one-shot wait for readability and returns true: {@code then} runs once the
     * kernel reports the socket readable (or it closes), on the poller's thread or at once, so it must only hand
     * over (start the next reader). False with bytes still buffered or a closed socket: read now.
     */
    @Override
    public boolean whenReadable(Runnable then) {
        if (readPos < readLimit) {
            return false;
        }
        CompletableFuture<Void> ready;
        socket.lock.lock();
        try {
            socket.ensureOpen();
            ready = socket.arm(Poller.reading());
        } catch (IOException e) {
            return false; // the read that follows reports it
        } finally {
            socket.lock.unlock();
        }
        ready.thenRun(then);
        return true;
    }

    /** Reads up to {@code len} bytes: at least one, or -1 at end of stream. */
    int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (readPos == readLimit && !fill()) {
            return -1;
        }
        int n = Math.min(len, readLimit - readPos);
        MemorySegment.copy(readBuffer, JAVA_BYTE, readPos, b, off, n);
        readPos += n;
        releaseIfConsumed();
        return n;
    }

    /** Gives the read buffer back once everything in it was read. */
    private void releaseIfConsumed() {
        if (readPos == readLimit && readBuffer != null) {
            BUFFERS.give(readBuffer);
            readBuffer = null;
        }
    }

    /**
     * With no unread bytes: borrows a buffer and fills it with what the kernel has (waiting for at least a byte);
     * false at end of stream. The buffer goes back to the pool before any wait, so a parked reader holds none.
     */
    private boolean fill() throws IOException {
        while (true) {
            CompletableFuture<Void> ready;
            MemorySegment buffer = BUFFERS.take();
            socket.lock.lock();
            try {
                socket.ensureOpen();
                long n = Syscalls.recv(socket.state, socket.fd, buffer, ReadBuffers.SIZE, 0);
                if (n > 0) {
                    readBuffer = buffer;
                    buffer = null;
                    readPos = 0;
                    readLimit = (int) n;
                    return true;
                }
                if (n == 0) {
                    return false; // orderly shutdown by the peer
                }
                int errno = socket.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno != Errno.EAGAIN) {
                    throw socket.failure("recv(" + socket.description() + ")");
                }
                ready = socket.arm(Poller.reading());
            } finally {
                socket.lock.unlock();
                if (buffer != null) {
                    BUFFERS.give(buffer);
                }
            }
            socket.await(Poller.reading(), ready, 0, "recv(" + socket.description() + ")");
        }
    }

    /** Writes all of {@code len} bytes, parking while the send buffer is full. */
    void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            CompletableFuture<Void> ready;
            socket.lock.lock();
            try {
                int n = trySend(b, off, len);
                if (n >= 0) {
                    off += n;
                    len -= n;
                    continue;
                }
                ready = socket.arm(Poller.writing());
            } finally {
                socket.lock.unlock();
            }
            socket.await(Poller.writing(), ready, 0, "send(" + socket.description() + ")");
        }
    }

    @Override
    public int sendNow(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        socket.lock.lock();
        try {
            return Math.max(0, trySend(b, off, len));
        } finally {
            socket.lock.unlock();
        }
    }

    /** One send(2) of at most {@link #SEND_CHUNK} bytes under the socket's lock: the bytes sent, or -1 on EAGAIN. */
    private int trySend(byte[] b, int off, int len) throws IOException {
        socket.ensureOpen();
        while (true) {
            // MSG_NOSIGNAL: a peer that reset the connection gives EPIPE here, not a SIGPIPE to the JVM
            long n = Syscalls.send(socket.state, socket.fd, b, off, Math.min(len, SEND_CHUNK), Libc.MSG_NOSIGNAL);
            if (n >= 0) {
                return (int) n;
            }
            int errno = socket.errno();
            if (errno == Errno.EAGAIN) {
                return -1;
            }
            if (errno != Errno.EINTR) {
                throw socket.failure("send(" + socket.description() + ")");
            }
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            if (readPos == readLimit && !fill()) {
                return -1;
            }
            int b = readBuffer.get(JAVA_BYTE, readPos++) & 0xff;
            releaseIfConsumed();
            return b;
        }

        @Override
        public int available() {
            return readLimit - readPos;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return TcpConnection.this.read(b, off, len);
        }

        @Override
        public void close() {
            TcpConnection.this.close();
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            TcpConnection.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            TcpConnection.this.write(b, off, len);
        }

        @Override
        public void close() {
            TcpConnection.this.close();
        }
    }
}
