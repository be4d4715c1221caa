package dev.viaduct.cli;

import dev.viaduct.bfd.daemon.BfddProcess;
import dev.viaduct.bfd.daemon.client.BfddLink;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Event;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Status;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Welcome;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.sys.net.IpAddresses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code BfddMain --aot-train}: one bfdd as the agent finds it, for a JDK AOT cache of bfdd's own
 * ({@code -XX:AOTCacheOutput}, run by bin/viaduct and the image build with bfdd's class path and JVM options). It
 * serves a socket in a temporary directory while a client on the agent's end of the protocol ({@link BfddLink})
 * says Hello, asks for two sessions that answer each other over loopback (127.0.0.1 and 127.0.0.2, each the
 * other's peer, so they come Up and report events), asks for the status and shuts the daemon down: the classes of
 * the line protocol's JSON, the sessions and the engine are then in the cache, not only those of bfdd's start.
 *
 * <p>Where a session cannot be made (no privilege for BFD's port 3784, another BFD daemon on it), the daemon reports
 * the error in the status and training goes on; the exit code is 0 when the daemon answered Hello and stopped.
 */
final class BfddTraining {
    private static final Duration UP_WAIT = Duration.ofSeconds(5);
    private static final Duration REPLY_WAIT = Duration.ofSeconds(5);

    private BfddTraining() {
    }

    static int run() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("viaduct-bfdd-train");
        Path socket = dir.resolve("bfdd.sock");
        AtomicInteger served = new AtomicInteger(-1);
        Thread daemon = Thread.ofPlatform().name("bfdd-train").start(() -> served.set(BfddProcess.serve(socket)));
        CountDownLatch welcomed = new CountDownLatch(1);
        CountDownLatch up = new CountDownLatch(2);
        BfddLink link = new BfddLink(socket, "aot-train", Optional.empty(), new BfddLink.Handler() {
            @Override
            public void welcome(Welcome w) {
                welcomed.countDown();
            }

            @Override
            public void event(Event e) {
                if (e.signal().equals("UP")) {
                    up.countDown();
                }
            }

            @Override
            public void status(Status s) {
            }

            @Override
            public void lost(String why) {
            }
        });
        try {
            link.start();
            if (!welcomed.await(REPLY_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                return 1;
            }
            var a = IpAddresses.parse("127.0.0.1");
            var b = IpAddresses.parse("127.0.0.2");
            link.desired(List.of(new DesiredSession("train-a", b, a, Optional.empty(), Timers.DEFAULT),
                    new DesiredSession("train-b", a, b, Optional.empty(), Timers.DEFAULT)));
            up.await(UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            link.status(REPLY_WAIT);
            link.desired(List.of());
            link.status(REPLY_WAIT);
            link.shutdownDaemon(false, REPLY_WAIT);
        } finally {
            link.close();
            daemon.join(REPLY_WAIT.toMillis());
            for (Path f : List.of(socket, socket.resolveSibling("bfdd.sock.lock"), dir)) {
                Files.deleteIfExists(f);
            }
        }
        return served.get() == 0 ? 0 : 1;
    }
}
