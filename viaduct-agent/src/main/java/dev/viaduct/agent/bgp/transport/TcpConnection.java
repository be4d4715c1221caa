package dev.viaduct.agent.bgp.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.viaduct.bgp.speaker.Transport;
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
 * {@link NativeSocket} lock. The read buffer and its positions belong to the reader, the write buffer to the
 * writer.
 */
final class TcpConnection implements Transport.Connection {
    /**
     * Native buffer per direction. A BGP message is at most 4096 bytes (RFC 4271 §4.1), so 8 KiB holds two; the
     * read buffer is also the stream's buffer (no second copy on the heap). Per connection that is 16 KiB of
     * native memory — it adds up in a full mesh (bench/bgp-scale), so it is kept small.
     */
    static final int BUFFER = 8 * 1024;

    private final NativeSocket socket;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final MemorySegment readBuffer;
    /** Unread bytes of {@link #readBuffer} are [readPos, readLimit); owned by the reader thread. */
    private int readPos;
    private int readLimit;
    private final MemorySegment writeBuffer;
    private final InputStream in;
    private final OutputStream out;

    TcpConnection(NativeSocket socket, InetSocketAddress local, InetSocketAddress remote) {
        this.socket = socket;
        this.local = local;
        this.remote = remote;
        socket.describe(local.getAddress().getHostAddress() + ":" + local.getPort() + "->" + remote.getAddress().getHostAddress()
                + ":" + remote.getPort());
        this.readBuffer = socket.arena.allocate(BUFFER, 8);
        this.writeBuffer = socket.arena.allocate(BUFFER, 8);
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

    @Override
    public String toString() {
        return "TcpConnection[" + socket.description() + "]";
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
        return n;
    }

    /** Refills the empty read buffer with what the kernel has (waiting for at least a byte); false at end of stream. */
    private boolean fill() throws IOException {
        while (true) {
            CompletableFuture<Void> ready;
            socket.lock.lock();
            try {
                socket.ensureOpen();
                long n = Syscalls.recv(socket.state, socket.fd, readBuffer, BUFFER, 0);
                if (n > 0) {
                    readPos = 0;
                    readLimit = (int) n;
                    return true;
                }
                if (n == 0) {
                    return false; // orderly shutdown by the peer
                }
                int errno = socket.errno();
                if (errno == Syscalls.EINTR) {
                    continue;
                }
                if (errno != Syscalls.EAGAIN) {
                    throw socket.failure("recv(" + socket.description() + ")");
                }
                ready = socket.arm(Poller.reading());
            } finally {
                socket.lock.unlock();
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
                socket.ensureOpen();
                int chunk = Math.min(len, BUFFER);
                MemorySegment.copy(b, off, writeBuffer, JAVA_BYTE, 0, chunk);
                // MSG_NOSIGNAL: a peer that reset the connection gives EPIPE here, not a SIGPIPE to the JVM
                long n = Syscalls.send(socket.state, socket.fd, writeBuffer, chunk, Syscalls.MSG_NOSIGNAL);
                if (n >= 0) {
                    off += (int) n;
                    len -= (int) n;
                    continue;
                }
                int errno = socket.errno();
                if (errno == Syscalls.EINTR) {
                    continue;
                }
                if (errno != Syscalls.EAGAIN) {
                    throw socket.failure("send(" + socket.description() + ")");
                }
                ready = socket.arm(Poller.writing());
            } finally {
                socket.lock.unlock();
            }
            socket.await(Poller.writing(), ready, 0, "send(" + socket.description() + ")");
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            if (readPos == readLimit && !fill()) {
                return -1;
            }
            return readBuffer.get(JAVA_BYTE, readPos++) & 0xff;
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
