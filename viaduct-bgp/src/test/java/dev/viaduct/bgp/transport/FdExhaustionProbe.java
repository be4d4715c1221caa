package dev.viaduct.bgp.transport;

import dev.viaduct.bgp.speaker.Transport;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Run by {@link AcceptUnderFdExhaustionTest} in a JVM with a low open-file limit: a connection waits in a
 * listener's queue while every file descriptor of the process is taken, so accept4 fails with EMFILE; the
 * listener must keep trying (not throw, which would end the speaker's accept loop) and accept the connection
 * once descriptors are free. Prints {@code deferred=N}, then {@code accepted=ADDR} or {@code failed=...}.
 */
public final class FdExhaustionProbe {
    private FdExhaustionProbe() {
    }

    public static void main(String[] args) throws Exception {
        AtomicInteger deferred = new AtomicInteger();
        // counted down when the listener defers (logs) or the acceptor returns, whichever comes first
        AtomicReference<CountDownLatch> progress = new AtomicReference<>(new CountDownLatch(1));
        Logger listenerLog = Logger.getLogger(TcpListener.class.getName());
        listenerLog.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage().startsWith("event=accept-deferred")) {
                    deferred.incrementAndGet();
                    progress.get().countDown();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        TcpMd5Transport t = new TcpMd5Transport();
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        Transport.Listener l = t.listen(new InetSocketAddress(lo, 0));
        // warm-up: once descriptors run out no class file can be opened, so load the whole path first
        AtomicReference<Object> got = new AtomicReference<>();
        Transport.Connection c0 = t.connect(l.localAddress(), lo, null, 5000);
        Thread warm = Thread.ofVirtual().start(() -> acceptInto(l, got));
        warm.join();
        ((Closeable) got.getAndSet(null)).close();
        c0.close();
        listenerLog.warning("event=accept-deferred probe warm-up (not counted)");
        deferred.set(0);
        progress.set(new CountDownLatch(1));

        Transport.Connection pending = t.connect(l.localAddress(), lo, null, 5000); // queued, not yet accepted
        List<FileInputStream> hogs = new ArrayList<>();
        try {
            while (true) {
                hogs.add(new FileInputStream("/dev/null"));
            }
        } catch (IOException e) {
            // every descriptor is taken: "Too many open files"
        }
        Thread acceptor = Thread.ofVirtual().start(() -> {
            acceptInto(l, got);
            progress.get().countDown();
        });
        progress.get().await(10, TimeUnit.SECONDS); // no progress in 10 s: the output below says so
        Object before = got.get();
        for (FileInputStream h : hogs) {
            h.close();
        }
        acceptor.join(5000);
        System.out.println("held=" + hogs.size());
        System.out.println("deferred=" + deferred.get());
        System.out.println("during=" + (before == null ? "waiting" : before));
        Object after = got.get();
        if (after instanceof Transport.Connection c) {
            System.out.println("accepted=" + c.remoteAddress() + " expected=" + pending.localAddress());
        } else {
            System.out.println("failed=" + after);
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    private static void acceptInto(Transport.Listener l, AtomicReference<Object> into) {
        try {
            into.set(l.accept());
        } catch (IOException e) {
            into.set(e);
        }
    }
}
