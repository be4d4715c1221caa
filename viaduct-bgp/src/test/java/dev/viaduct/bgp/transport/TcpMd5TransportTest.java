package dev.viaduct.bgp.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transport on loopback (no namespaces, no root): data in both directions, a writer that has to wait for
 * a slow reader, end of stream, close waking blocked readers and accepts, virtual threads that wait without
 * pinning their carriers, read buffers held only while bytes are unread, errors that name the peer, and TCP MD5 between two loopback addresses (the key is
 * per peer address, so 127.0.0.2 signs and 127.0.0.1 does not need to).
 */
class TcpMd5TransportTest {
    static final Duration T = Duration.ofSeconds(10);
    static final InetAddress LO = Md5KeyTest.addr("127.0.0.1");
    static final InetAddress LO2 = Md5KeyTest.addr("127.0.0.2");

    final TcpMd5Transport transport = new TcpMd5Transport();
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    Transport.Listener listen(InetAddress on) throws IOException {
        return track(transport.listen(new InetSocketAddress(on, 0)));
    }

    /** A connected pair: [client, server]. */
    Transport.Connection[] pair(Transport.Listener l, InetAddress from, String password) throws Exception {
        CompletableFuture<Transport.Connection> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return l.accept();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        Transport.Connection c = track(transport.connect(l.localAddress(), from, password, 5000));
        Transport.Connection s = track(accepted.get(10, TimeUnit.SECONDS));
        return new Transport.Connection[] {c, s};
    }

    static long sockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    @Test
    void bytesFlowBothWaysAndAWriterWaitsForASlowReader() throws Exception {
        long before = sockets();
        Transport.Listener l = listen(LO);
        Transport.Connection[] p = pair(l, LO, null);
        assertThat(p[0].remoteAddress()).isEqualTo(l.localAddress());
        assertThat(p[1].remoteAddress()).isEqualTo(p[0].localAddress());

        byte[] data = new byte[8 << 20]; // far more than the socket buffers hold: the writer must wait
        new Random(42).nextBytes(data);
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = p[0].output();
                out.write(data);
                out.flush();
                written.complete(null);
            } catch (IOException e) {
                written.completeExceptionally(e);
            }
        });
        Poll.until("the writer waits for buffer space (parked, not in a downcall)", T,
                () -> writer.getState() == Thread.State.WAITING && !written.isDone());
        byte[] got = p[1].input().readNBytes(data.length);
        written.get(10, TimeUnit.SECONDS);
        assertThat(got.length).isEqualTo(data.length);
        assertThat(MessageDigest.getInstance("SHA-256").digest(got)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));

        p[1].output().write("bye".getBytes());
        assertThat(p[0].input().readNBytes(3)).isEqualTo("bye".getBytes());
        p[0].close();
        p[1].close();
        l.close();
        Poll.until("every socket closed", T, () -> {
            try {
                return sockets() <= before;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void closingWakesABlockedReaderPromptly() throws Exception {
        Transport.Connection[] p = pair(listen(LO), LO, null);
        InputStream in = p[0].input();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                outcome.set(in.read());
            } catch (IOException e) {
                outcome.set(e);
            }
        });
        Poll.until("the reader is blocked", T, () -> reader.getState() == Thread.State.WAITING);
        long t0 = System.nanoTime();
        p[0].close();
        assertThat(reader.join(Duration.ofSeconds(2))).as("reader returned within 2 s of close").isTrue();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(outcome.get()).isInstanceOf(SocketException.class);
        assertThat(((Exception) outcome.get()).getMessage()).startsWith("socket closed");
        assertThat(ms).isLessThan(2000);
        // the peer sees the shutdown as end of stream
        assertThat(p[1].input().read()).isEqualTo(-1);
    }

    @Test
    void aReaderCanEndAndBeCalledBackWhenInputArrivesOrTheSocketCloses() throws Exception {
        Transport.Connection[] p = pair(listen(LO), LO, null);
        CompletableFuture<Void> readable = new CompletableFuture<>();
        assertThat(p[0].whenReadable(() -> readable.complete(null))).as("nothing buffered: a callback instead").isTrue();
        assertThat(readable).isNotDone();
        OutputStream out = p[1].output();
        out.write(new byte[] {1, 2, 3});
        readable.get(10, TimeUnit.SECONDS);
        InputStream in = p[0].input();
        assertThat(in.read()).isEqualTo(1);
        assertThat(p[0].whenReadable(() -> { })).as("bytes still buffered: read them now").isFalse();
        assertThat(in.read()).isEqualTo(2);
        assertThat(in.read()).isEqualTo(3);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        assertThat(p[0].whenReadable(() -> closed.complete(null))).isTrue();
        p[0].close();
        closed.get(10, TimeUnit.SECONDS); // the next reader finds the socket closed
        assertThatThrownBy(in::read).isInstanceOf(IOException.class);
    }

    @Test
    void closingWakesABlockedAccept() throws Exception {
        Transport.Listener l = listen(LO);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread acceptor = Thread.ofVirtual().start(() -> {
            try {
                outcome.set(l.accept());
            } catch (IOException e) {
                outcome.set(e);
            }
        });
        Poll.until("accept is blocked", T, () -> acceptor.getState() == Thread.State.WAITING);
        l.close();
        assertThat(acceptor.join(Duration.ofSeconds(2))).isTrue();
        assertThat(outcome.get()).isInstanceOf(SocketException.class);
    }

    @Test
    void blockedReadersDoNotPinCarrierThreads() throws Exception {
        // 32 virtual threads blocked in reads, more than the scheduler has carriers (one per core): if any of
        // them were blocked inside a downcall, it would hold its carrier, and with every carrier held the
        // next virtual thread could not run at all
        Transport.Listener l = listen(LO);
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Transport.Connection c = pair(l, LO, null)[0];
            readers.add(Thread.ofVirtual().start(() -> {
                try {
                    c.input().read();
                } catch (IOException e) {
                    // closed at the end
                }
            }));
        }
        Poll.until("all 32 readers blocked", T, () -> readers.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        CompletableFuture<String> ran = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> ran.complete(Thread.currentThread().toString()));
        assertThat(ran.get(5, TimeUnit.SECONDS)).contains("VirtualThread");
    }

    @Test
    void aReaderHoldsABufferOnlyWhileItHasUnreadBytes() throws Exception {
        Transport.Connection[] p = pair(listen(LO), LO, null);
        TcpConnection c = (TcpConnection) p[0];
        InputStream in = c.input();
        p[1].output().write(new byte[] {1, 2, 3, 4, 5, 6});
        byte[] b = new byte[6];
        int got = in.read(b, 0, 2);
        assertThat(c.holdsReadBuffer()).as("a buffer while bytes are unread").isEqualTo(in.available() > 0);
        while (got < 5) {
            got += in.read(b, got, 5 - got);
        }
        assertThat(in.read()).as("the last byte, read alone").isEqualTo(6);
        assertThat(b).startsWith(1, 2, 3, 4, 5);
        assertThat(in.available()).isZero();
        assertThat(c.holdsReadBuffer()).as("everything read: the buffer went back").isFalse();

        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                outcome.set(in.read());
            } catch (IOException e) {
                outcome.set(e);
            }
        });
        Poll.until("the reader waits for data", T, () -> reader.getState() == Thread.State.WAITING);
        assertThat(c.holdsReadBuffer()).as("a parked reader holds no buffer").isFalse();
        p[1].output().write(new byte[] {7});
        assertThat(reader.join(Duration.ofSeconds(5))).isTrue();
        assertThat(outcome.get()).isEqualTo(7);
        assertThat(c.holdsReadBuffer()).isFalse();
    }

    @Test
    void peerCloseIsEndOfStream() throws Exception {
        Transport.Connection[] p = pair(listen(LO), LO, null);
        p[1].output().write(new byte[] {1, 2});
        p[1].close();
        InputStream in = p[0].input();
        assertThat(in.read()).isEqualTo(1);
        assertThat(in.read()).isEqualTo(2);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void refusedConnectionNamesPeerAndErrno() throws Exception {
        Transport.Listener l = transport.listen(new InetSocketAddress(LO, 0));
        InetSocketAddress nobody = l.localAddress();
        l.close();
        assertThatThrownBy(() -> transport.connect(nobody, LO, null, 2000))
                .isInstanceOfSatisfying(SocketCallException.class, e -> assertThat(e.errno()).isEqualTo(111))
                .hasMessage("connect(127.0.0.1:" + nobody.getPort() + " from 127.0.0.1): Connection refused (errno 111)");
    }

    @Test
    void aTooLongPasswordIsRefusedBeforeAnySocketExists() throws Exception {
        Transport.Listener l = listen(LO);
        long before = sockets();
        assertThatThrownBy(() -> transport.connect(l.localAddress(), LO2, "p".repeat(81), 2000))
                .isInstanceOf(InvalidMd5KeyException.class).hasMessageStartingWith("TCP MD5 password for peer 127.0.0.1: 81 bytes");
        assertThatThrownBy(() -> l.setPassword(LO2, "p".repeat(81)))
                .isInstanceOf(InvalidMd5KeyException.class).hasMessageStartingWith("TCP MD5 password for peer 127.0.0.2: 81 bytes");
        assertThat(sockets()).isEqualTo(before);
    }

    @Test
    void anIpv6PeerKeyOnAnIpv4ListenerIsRefusedClearly() throws Exception {
        Transport.Listener l = listen(LO);
        assertThatThrownBy(() -> l.setPassword(Md5KeyTest.addr("fd00::2"), "k"))
                .hasMessage("TCP MD5 password for peer fd00:0:0:0:0:0:0:2: the peer is IPv6 but listen 127.0.0.1:"
                        + l.localAddress().getPort() + " is an IPv4 socket");
    }

    @Test
    void md5KeysDecideWhoGetsIn() throws Exception {
        Transport.Listener l = listen(LO);
        l.setPassword(LO2, "s3cret");
        // the right key: connected, and the accepted socket signs too (data flows)
        Transport.Connection[] p = pair(l, LO2, "s3cret");
        p[0].output().write(42);
        assertThat(p[1].input().read()).isEqualTo(42);
        p[1].output().write(43);
        assertThat(p[0].input().read()).isEqualTo(43);
        // a wrong key and no key: the listener's kernel drops the SYNs (RFC 2385 §2.0), the connect times out
        assertThatThrownBy(() -> track(transport.connect(l.localAddress(), LO2, "wrong", 700)))
                .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("timed out after 700 ms");
        assertThatThrownBy(() -> track(transport.connect(l.localAddress(), LO2, null, 700)))
                .isInstanceOf(SocketTimeoutException.class);
        // 127.0.0.1 has no key: it connects unsigned
        pair(l, LO, null);
        // removing the key lets 127.0.0.2 in unsigned; removing it twice is not an error
        l.setPassword(LO2, null);
        l.setPassword(LO2, null);
        Transport.Connection[] q = pair(l, LO2, null);
        q[0].output().write(7);
        assertThat(q[1].input().read()).isEqualTo(7);
    }

    @Test
    void ipv6WithAndWithoutKey() throws Exception {
        InetAddress v6 = Md5KeyTest.addr("::1");
        Transport.Listener l = listen(v6);
        Transport.Connection[] p = pair(l, v6, null);
        p[0].output().write(1);
        assertThat(p[1].input().read()).isEqualTo(1);
        l.setPassword(v6, "six");
        Transport.Connection[] q = pair(l, v6, "six");
        q[1].output().write(2);
        assertThat(q[0].input().read()).isEqualTo(2);
        assertThatThrownBy(() -> track(transport.connect(l.localAddress(), v6, "bad", 700))).isInstanceOf(SocketTimeoutException.class);
    }
}
