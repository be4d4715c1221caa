package dev.viaduct.bfd.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bfd.daemon.protocol.BfddCodec;
import dev.viaduct.bfd.daemon.protocol.BfddLines;
import dev.viaduct.bfd.daemon.protocol.BfddMessage;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Event;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Failure;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SessionView;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Status;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Welcome;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** bfdd's bookkeeping and protocol over a real unix socket, with a fake BFD engine. */
class BfdDaemonTest {
    static final Timers FAST = Timers.of(Duration.ofMillis(100), 3);
    static final InetAddress LOCAL = InetAddress.ofLiteral("10.9.0.1");
    static final InetAddress N2 = InetAddress.ofLiteral("10.9.0.2");
    static final InetAddress N3 = InetAddress.ofLiteral("10.9.0.3");

    Path dir;
    Path socket;
    FakeEngine engine;
    BfdDaemon daemon;

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("bfdd-test");
        socket = dir.resolve("bfdd.sock");
        engine = new FakeEngine();
        daemon = BfdDaemon.start(new BfdDaemon.Options(socket, Duration.ofMillis(50)), engine);
    }

    @AfterEach
    void stop() throws IOException {
        daemon.close();
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A raw protocol client. */
    final class Client implements AutoCloseable {
        final SocketChannel ch;
        final BfddLines lines;
        final OutputStream out;

        Client() throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            lines = new BfddLines(Channels.newInputStream(ch));
            out = Channels.newOutputStream(ch);
        }

        void send(BfddMessage m) throws IOException {
            BfddLines.write(out, m);
        }

        void sendRaw(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The next message, failing after 5 s (the read runs on a virtual thread so the test cannot hang). */
        BfddMessage.Reply next() throws Exception {
            CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return lines.next();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            String line = f.get(5, TimeUnit.SECONDS);
            assertThat(line).as("daemon closed the connection").isNotNull();
            return BfddCodec.decodeReply(line);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    static DesiredSession want(String name, InetAddress peer, Timers t) {
        return new DesiredSession(name, peer, LOCAL, Optional.empty(), t);
    }

    @Test
    void theSocketIsRootOnlyAndOneDaemonPerSocket() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThatThrownBy(() -> BfdDaemon.start(BfdDaemon.Options.of(socket), new FakeEngine()))
                .isInstanceOf(IOException.class).hasMessageContaining("another bfdd holds");
        assertThat(Files.exists(socket)).as("the first daemon's socket survives the second's attempt").isTrue();
        try (Client c = new Client()) {
            c.send(new BfddMessage.Hello(1, BfddMessage.PROTOCOL, "test"));
            assertThat(c.next()).isInstanceOf(Welcome.class);
        }
    }

    @Test
    void setReconcilesAddsRemovesAndRetimes() throws Exception {
        try (Client c = new Client()) {
            c.send(new BfddMessage.SetSessions(1, List.of(want("n2", N2, FAST), want("n3", N3, FAST))));
            Status s = (Status) c.next();
            assertThat(s.id()).isEqualTo(1);
            assertThat(s.sessions()).extracting(SessionView::name).containsExactly("n2", "n3");
            assertThat(engine.calls).containsExactly("add 10.9.0.2", "add 10.9.0.3");

            // the same set again changes nothing
            c.send(new BfddMessage.SetSessions(2, List.of(want("n2", N2, FAST), want("n3", N3, FAST))));
            c.next();
            assertThat(engine.calls).hasSize(2);

            // n3 goes, n2 gets slower timers (a Poll Sequence in the real engine)
            c.send(new BfddMessage.SetSessions(3, List.of(want("n2", N2, Timers.of(Duration.ofMillis(300), 3)))));
            Status after = (Status) c.next();
            assertThat(after.sessions()).extracting(SessionView::name).containsExactly("n2");
            assertThat(engine.calls).containsExactly("add 10.9.0.2", "add 10.9.0.3", "remove 10.9.0.3", "retime 10.9.0.2 300");
        }
    }

    @Test
    void aSessionThatCannotStartIsReportedAndRetried() throws Exception {
        engine.failingLocals.add(LOCAL);
        try (Client c = new Client()) {
            c.send(new BfddMessage.SetSessions(1, List.of(want("n2", N2, FAST))));
            SessionView v = ((Status) c.next()).sessions().getFirst();
            assertThat(v.error()).hasValueSatisfying(e -> assertThat(e).contains("Cannot assign requested address"));
            assertThat(v.state()).isEqualTo(BfdState.DOWN);
            engine.failingLocals.clear(); // the address appears
            Poll.until("the retry to add the session", Duration.ofSeconds(5), () -> engine.calls.contains("add 10.9.0.2"));
            c.send(new BfddMessage.GetStatus(2));
            assertThat(((Status) c.next()).sessions().getFirst().error()).isEmpty();
        }
    }

    @Test
    void eventsGoToClientsThatSaidHelloWithThePathDownFlag() throws Exception {
        try (Client agent = new Client(); Client quiet = new Client()) {
            agent.send(new BfddMessage.Hello(1, BfddMessage.PROTOCOL, "agent"));
            assertThat(((Welcome) agent.next()).sessions()).isEmpty();
            agent.send(new BfddMessage.SetSessions(2, List.of(want("n2", N2, FAST))));
            agent.next();

            engine.change(N2, BfdState.INIT, false);
            engine.change(N2, BfdState.UP, false);
            Event init = (Event) agent.next();
            Event up = (Event) agent.next();
            assertThat(init.to()).isEqualTo(BfdState.INIT);
            assertThat(up.signal()).isEqualTo("UP");
            assertThat(up.session().pathDown()).isFalse();

            engine.change(N2, BfdState.DOWN, false);
            Event down = (Event) agent.next();
            assertThat(down.signal()).isEqualTo("PATH_DOWN");
            assertThat(down.session().pathDown()).isTrue();
            assertThat(down.session().state()).isEqualTo(BfdState.DOWN);

            // the flag is state, not an edge: a new client's Welcome has it
            try (Client restarted = new Client()) {
                restarted.send(new BfddMessage.Hello(1, BfddMessage.PROTOCOL, "agent again"));
                Welcome w = (Welcome) restarted.next();
                assertThat(w.sessions()).singleElement().satisfies(v -> assertThat(v.pathDown()).isTrue());
                assertThat(w.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(w.netns()).startsWith("net:[");
            }

            // the peer comes back: Up clears it
            engine.change(N2, BfdState.INIT, false);
            engine.change(N2, BfdState.UP, false);
            agent.next();
            assertThat(((Event) agent.next()).session().pathDown()).isFalse();

            // a client that never said Hello got no events: its first message is the answer to its request
            quiet.send(new BfddMessage.GetStatus(9));
            assertThat(quiet.next()).isInstanceOf(Status.class).extracting(BfddMessage::id).isEqualTo(9L);
        }
    }

    @Test
    void adminDownIsNotAPathFailure() throws Exception {
        try (Client agent = new Client()) {
            agent.send(new BfddMessage.Hello(1, BfddMessage.PROTOCOL, "agent"));
            agent.next();
            agent.send(new BfddMessage.SetSessions(2, List.of(want("n2", N2, FAST))));
            agent.next();
            engine.change(N2, BfdState.UP, false);
            agent.next();
            engine.change(N2, BfdState.DOWN, true); // the peer sent AdminDown (RFC 5882 §3.2)
            Event e = (Event) agent.next();
            assertThat(e.signal()).isEqualTo("ADMIN_DOWN");
            assertThat(e.session().pathDown()).isFalse();
        }
    }

    @Test
    void badLinesAreAnsweredAndTheConnectionStays() throws Exception {
        try (Client c = new Client()) {
            c.sendRaw("{\"op\":\"set\",\"id\":1,\"sessions\":[{\"name\":\"a\",\"peer\":\"nope\"}]}");
            Failure f = (Failure) c.next();
            assertThat(f.error()).contains("sessions[0]");
            c.sendRaw(BfddCodec.encode(new BfddMessage.Failure(4, "a reply sent to the daemon")));
            assertThat(((Failure) c.next()).error()).contains("op");
            c.send(new BfddMessage.GetStatus(5));
            assertThat(c.next().id()).isEqualTo(5);
        }
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void shutdownWithAdminDownClosesTheEngineAndRemovesTheSocket() throws Exception {
        try (Client c = new Client()) {
            c.send(new BfddMessage.Shutdown(3, true));
            assertThat(c.next().id()).isEqualTo(3);
        }
        assertThat(CompletableFuture.runAsync(() -> {
            try {
                daemon.awaitStop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).get(5, TimeUnit.SECONDS)).isNull();
        assertThat(engine.closed).isTrue();
        assertThat(Files.exists(socket)).isFalse();
        // the lock is free again: a new daemon can take over
        BfdDaemon next = BfdDaemon.start(BfdDaemon.Options.of(socket), new FakeEngine());
        next.close();
    }

    @Test
    void closeWithoutShutdownLeavesTheSessionsAlone() throws Exception {
        try (Client c = new Client()) {
            c.send(new BfddMessage.SetSessions(1, List.of(want("n2", N2, FAST))));
            c.next();
        }
        daemon.close(); // SIGTERM: no AdminDown; peers must see a failure
        assertThat(engine.closed).isFalse();
        assertThat(engine.calls).containsExactly("add 10.9.0.2");
    }
}
