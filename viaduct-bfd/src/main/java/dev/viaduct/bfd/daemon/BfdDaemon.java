package dev.viaduct.bfd.daemon;

import dev.viaduct.bfd.BfdSocketException;
import dev.viaduct.bfd.SessionConfig;
import dev.viaduct.bfd.SessionKey;
import dev.viaduct.bfd.SessionStatus;
import dev.viaduct.bfd.StateChange;
import dev.viaduct.bfd.daemon.protocol.BfddCodec;
import dev.viaduct.bfd.daemon.protocol.BfddCodec.BfddProtocolException;
import dev.viaduct.bfd.daemon.protocol.BfddLines;
import dev.viaduct.bfd.daemon.protocol.BfddMessage;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Event;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Failure;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.GetStatus;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Hello;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SessionView;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SetSessions;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Shutdown;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Status;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Welcome;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.sys.log.Log;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * bfdd: the node's BFD sessions, in a process of their own that outlives agent restarts (see the package
 * comment for why). It serves the {@link BfddMessage} protocol on a root-only unix socket: a client (the agent)
 * says {@code Hello} and gets every session's state, sends the complete set of sessions it wants, and receives
 * every state change as an event. When the client goes away nothing changes: sessions keep running, and the
 * next client (the restarted agent) picks up their current state, including which peers are path-down.
 *
 * <p>A session's {@code pathDown} flag is the daemon's memory of a failure: set when the session goes from Up
 * to Down for any reason but AdminDown (RFC 5882 §3.2), cleared when it is Up again or the peer says AdminDown
 * (a peer that sends packets is reachable). Sessions that cannot be started (the local address is not there
 * yet, port 3784 is taken) are kept with their error and retried.
 *
 * <p>Stopping: a {@code Shutdown} request with {@code adminDown} first takes every session administratively
 * down (peers leave their routes alone); SIGTERM, a crash or the node's death just stop the packets, and peers
 * detect a failure within their detection time, as they must when a node goes away.
 *
 * <p>Concurrency: session bookkeeping and client subscriptions are guarded by one lock; state changes arrive on
 * the engine's subscriber thread, each client has a virtual reader thread and a virtual writer thread fed by a
 * bounded queue (a client that stops reading is disconnected, never waited for). Messages to a client are
 * queued under the lock, so a client sees its Welcome or Status and the events in the order they happened.
 */
public final class BfdDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.bfdd");
    private static final int CLIENT_QUEUE = 4096;

    /**
     * How to run.
     *
     * @param socket        the unix socket to serve (its directory is created 0700 if missing; the socket is 0600)
     * @param retryInterval how often sessions that could not be started are retried
     */
    public record Options(Path socket, Duration retryInterval) {
        public Options {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(retryInterval, "retryInterval");
        }

        public static Options of(Path socket) {
            return new Options(socket, Duration.ofSeconds(5));
        }
    }

    /** One wanted session and what the daemon knows about it. Guarded by {@link #lock}. */
    private static final class Entry {
        final SessionKey key;
        DesiredSession desired;
        boolean active;
        Optional<String> error = Optional.empty();
        boolean pathDown;
        final Instant created = Instant.now();

        Entry(SessionKey key, DesiredSession desired) {
            this.key = key;
            this.desired = desired;
        }
    }

    private final Options options;
    private final BfdEngine engine;
    private final ServerSocketChannel server;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final Instant startedAt = Instant.now();
    private final String netns;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<SessionKey, Entry> entries = new LinkedHashMap<>();
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread acceptor;
    private final Thread retrier;
    private volatile boolean closed;

    private BfdDaemon(Options options, BfdEngine engine, ServerSocketChannel server, FileChannel lockChannel, FileLock fileLock) {
        this.options = options;
        this.engine = engine;
        this.server = server;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
        this.netns = currentNetns();
        engine.subscribe(this::onChange);
        this.acceptor = Thread.ofVirtual().name("bfdd-accept").start(this::acceptLoop);
        this.retrier = Thread.ofVirtual().name("bfdd-retry").start(this::retryLoop);
    }

    /**
     * Takes {@code <socket>.lock} (so two daemons never serve one node), replaces a stale socket file and starts
     * serving.
     *
     * @throws IOException another daemon holds the lock, or the socket cannot be bound
     */
    public static BfdDaemon start(Options options, BfdEngine engine) throws IOException {
        Path path = options.socket().toAbsolutePath();
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path lockPath = path.resolveSibling(path.getFileName() + ".lock");
        FileChannel lc = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock fl;
        try {
            fl = lc.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            fl = null; // held by a daemon in this very JVM (tests)
        } catch (IOException e) {
            lc.close();
            throw e;
        }
        if (fl == null) {
            lc.close();
            throw new IOException("another bfdd holds " + lockPath + " (one daemon per node)");
        }
        try {
            // we hold the lock, so a socket file left here belongs to a daemon that is gone
            Files.deleteIfExists(path);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                s.bind(UnixDomainSocketAddress.of(path), 64);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                s.close();
                throw e;
            }
            LOG.log(System.Logger.Level.INFO, "bfdd listening socket={0} pid={1}", path, ProcessHandle.current().pid());
            return new BfdDaemon(options, engine, s, lc, fl);
        } catch (IOException | RuntimeException e) {
            fl.release();
            lc.close();
            throw e;
        }
    }

    /** Blocks until a {@code Shutdown} request or {@link #close}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    public Path socket() {
        return options.socket();
    }

    // ------------------------------------------------------------------ sessions

    /** Makes the sessions exactly {@code wanted}: removals first (with AdminDown), then additions and retimings. */
    Status apply(long id, List<DesiredSession> wanted) {
        lock.lock();
        try {
            Map<SessionKey, DesiredSession> want = new LinkedHashMap<>();
            for (DesiredSession d : wanted) {
                want.put(keyOf(d), d);
            }
            for (var it = entries.values().iterator(); it.hasNext();) {
                Entry e = it.next();
                if (!want.containsKey(e.key)) {
                    it.remove();
                    if (e.active) {
                        engine.remove(e.key);
                    }
                    Log.info(LOG, "bfdd session removed", "name", e.desired.name(), "session", e.key);
                }
            }
            for (DesiredSession d : want.values()) {
                SessionKey k = keyOf(d);
                Entry e = entries.get(k);
                if (e == null) {
                    e = new Entry(k, d);
                    entries.put(k, e);
                    start(e);
                    continue;
                }
                boolean retime = !e.desired.timers().equals(d.timers());
                e.desired = d;
                if (!e.active) {
                    start(e);
                } else if (retime) {
                    engine.reconfigure(k, d.timers());
                    Log.info(LOG, "bfdd session retimed", "name", d.name(), "session", k, "txMs", d.timers().desiredMinTx().toMillis(),
                            "rxMs", d.timers().requiredMinRx().toMillis(), "mult", d.timers().detectMultiplier());
                }
            }
            return status(id);
        } finally {
            lock.unlock();
        }
    }

    private static SessionKey keyOf(DesiredSession d) {
        return new SessionKey(d.peer(), d.local(), d.interfaceName());
    }

    /** Starts an entry's session; on failure keeps the error for status and the retry loop. Under the lock. */
    private void start(Entry e) {
        DesiredSession d = e.desired;
        try {
            var b = SessionConfig.builder(d.peer(), d.local()).timers(d.timers());
            d.interfaceName().ifPresent(b::interfaceName);
            engine.add(b.build());
            e.active = true;
            e.error = Optional.empty();
            Log.info(LOG, "bfdd session added", "name", d.name(), "session", e.key, "txMs", d.timers().desiredMinTx().toMillis(),
                    "mult", d.timers().detectMultiplier());
        } catch (BfdSocketException | RuntimeException ex) {
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            if (e.error.isEmpty() || !e.error.get().equals(msg)) {
                Log.warn(LOG, "bfdd session not started", "name", d.name(), "session", e.key, "error", msg,
                        "retrySeconds", options.retryInterval().toSeconds());
            }
            e.active = false;
            e.error = Optional.of(msg);
        }
    }

    private void retryLoop() {
        while (!closed) {
            try {
                Thread.sleep(options.retryInterval());
            } catch (InterruptedException e) {
                return;
            }
            lock.lock();
            try {
                for (Entry e : entries.values()) {
                    if (!e.active && !closed) {
                        start(e);
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void onChange(StateChange c) {
        lock.lock();
        try {
            Entry e = entries.get(c.session());
            if (e == null || !e.active) {
                return; // a session removed since (its AdminDown transition) or never ours
            }
            switch (c.signal()) {
                case PATH_DOWN -> e.pathDown = true;
                case UP -> e.pathDown = false;
                case ADMIN_DOWN, NONE -> {
                }
            }
            if (c.remoteAdminDown()) {
                e.pathDown = false; // the peer sent a packet: its path works, it only switched BFD off
            }
            Log.at(LOG, c.signal() == StateChange.ClientSignal.NONE ? System.Logger.Level.DEBUG : System.Logger.Level.INFO,
                    "bfdd state", "name", e.desired.name(), "peer", c.session().peer(), "from", c.from(), "to", c.to(),
                    "diag", c.diagnostic(), "signal", c.signal(), "pathDown", e.pathDown);
            Event ev = new Event(0, view(e).inState(c.to(), e.pathDown), c.from(), c.to(), c.diagnostic(), c.signal().name());
            for (Client cl : clients) {
                if (cl.subscribed) {
                    cl.send(ev);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Every session now. Under the lock. */
    private List<SessionView> views() {
        List<SessionView> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(view(e));
        }
        return out;
    }

    private SessionView view(Entry e) {
        DesiredSession d = e.desired;
        Optional<SessionStatus> s = e.active ? engine.session(e.key) : Optional.empty();
        if (s.isEmpty()) {
            return new SessionView(d.name(), d.peer(), d.local(), d.interfaceName(), BfdState.DOWN, BfdState.DOWN, e.pathDown,
                    Duration.ZERO, Duration.ZERO, Duration.ZERO, e.created, 0, 0, 0, e.error);
        }
        SessionStatus st = s.get();
        var snap = st.session();
        return new SessionView(d.name(), d.peer(), d.local(), d.interfaceName(), snap.state(), snap.remoteState(), e.pathDown,
                snap.transmitInterval(), snap.receiveInterval(), snap.detectionTime(), st.lastStateChange(),
                st.counters().packetsIn(), st.counters().packetsOut(), st.counters().discardedTotal(), e.error);
    }

    private Status status(long id) {
        return new Status(id, views(), engine.unmatchedDiscards());
    }

    // ------------------------------------------------------------------ clients

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "bfdd accept failed: {0}", e.toString());
                }
                continue;
            }
            Thread.ofVirtual().name("bfdd-client").start(() -> serve(c));
        }
    }

    private void serve(SocketChannel ch) {
        String who;
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            who = p.user().getName();
        } catch (IOException | UnsupportedOperationException e) {
            who = "unknown";
        }
        Client client = new Client(ch, who);
        if (!who.equals("root") && !who.equals(System.getProperty("user.name"))) {
            // the socket is 0600 already; this is the second lock on the door
            client.send(new Failure(0, "bfdd serves root only, not " + who));
            client.closeAfterFlush();
            return;
        }
        clients.add(client);
        BfddLines lines = new BfddLines(Channels.newInputStream(ch));
        try {
            String line;
            while ((line = lines.next()) != null) {
                BfddMessage.Request req;
                try {
                    req = BfddCodec.decodeRequest(line);
                } catch (BfddProtocolException e) {
                    LOG.log(System.Logger.Level.WARNING, "bfdd bad request client={0} error=\"{1}\"", who, e.getMessage());
                    client.send(new Failure(0, e.getMessage()));
                    continue;
                }
                if (!handle(client, req)) {
                    return;
                }
            }
        } catch (BfddProtocolException e) {
            client.send(new Failure(0, e.getMessage()));
        } catch (IOException e) {
            // client went away: nothing to do, sessions stay as they are
        } finally {
            clients.remove(client);
            client.closeAfterFlush();
        }
    }

    /** Handles one request; false when the daemon is shutting down. */
    private boolean handle(Client client, BfddMessage.Request req) {
        switch (req) {
            case Hello h -> {
                int n;
                lock.lock();
                try {
                    client.subscribed = true;
                    List<SessionView> v = views();
                    n = v.size();
                    client.send(new Welcome(h.id(), BfddMessage.PROTOCOL, ProcessHandle.current().pid(), netns, startedAt, v,
                            engine.unmatchedDiscards()));
                } finally {
                    lock.unlock();
                }
                LOG.log(System.Logger.Level.INFO, "bfdd client hello client=\"{0}\" user={1} protocol={2} sessions={3}", h.client(),
                        client.user, h.protocol(), n);
            }
            case SetSessions s -> {
                lock.lock();
                try {
                    client.send(apply(s.id(), s.sessions()));
                } finally {
                    lock.unlock();
                }
            }
            case GetStatus g -> {
                lock.lock();
                try {
                    client.send(status(g.id()));
                } finally {
                    lock.unlock();
                }
            }
            case Shutdown s -> {
                LOG.log(System.Logger.Level.INFO, "bfdd shutdown requested by {0} adminDown={1}", client.user, s.adminDown());
                lock.lock();
                try {
                    client.send(status(s.id()));
                    if (s.adminDown()) {
                        engine.close(); // AdminDown on every session (RFC 5880 §6.8.16)
                    }
                } finally {
                    lock.unlock();
                }
                client.closeAfterFlush();
                close();
                return false;
            }
        }
        return true;
    }

    /**
     * One connected client: its channel and outgoing queue. The writer blocks in {@code take()} until there is
     * something to send: an idle daemon has no timed wake-ups per client (each would go through the virtual-thread
     * scheduler's delay thread and a carrier).
     */
    private static final class Client {
        /** Queued by {@link #closeAfterFlush}, compared by identity: the writer closes when it takes it. */
        private static final BfddMessage END = new Failure(0, "end of stream");

        final SocketChannel ch;
        final String user;
        final LinkedBlockingQueue<BfddMessage> out = new LinkedBlockingQueue<>(CLIENT_QUEUE);
        final Thread writer;
        volatile boolean subscribed;

        Client(SocketChannel ch, String user) {
            this.ch = ch;
            this.user = user;
            this.writer = Thread.ofVirtual().name("bfdd-client-out").start(this::writeLoop);
        }

        void send(BfddMessage m) {
            if (!out.offer(m)) {
                LOG.log(System.Logger.Level.WARNING, "bfdd client {0} stopped reading ({1} messages queued): disconnecting", user,
                        CLIENT_QUEUE);
                closeNow();
            }
        }

        private void writeLoop() {
            try {
                OutputStream os = Channels.newOutputStream(ch);
                BfddMessage m;
                while ((m = out.take()) != END) {
                    BfddLines.write(os, m);
                }
            } catch (IOException | InterruptedException e) {
                // the client is gone
            } finally {
                closeNow();
            }
        }

        /** Lets the writer send what is queued, then closes (at once when the queue is full). */
        void closeAfterFlush() {
            if (!out.offer(END)) {
                closeNow();
            }
        }

        /** Closes the channel and ends the writer (an interrupt only ends its wait: the channel is closed already). */
        void closeNow() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all we want
            }
            if (writer != null && Thread.currentThread() != writer) {
                writer.interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Stops serving and removes the socket, <em>without</em> touching the sessions: in the daemon process the
     * JVM exits next, and peers see the failure; a {@code Shutdown} request with adminDown closes the engine first.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing is all we want
        }
        for (Client c : clients) {
            c.closeAfterFlush();
        }
        retrier.interrupt();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(options.socket());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "bfdd could not remove {0}: {1}", options.socket(), e.toString());
        }
        try {
            fileLock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
        stopped.countDown();
        LOG.log(System.Logger.Level.INFO, "bfdd stopped socket={0}", options.socket());
    }

    /** {@code readlink /proc/self/ns/net}: which network namespace this process's sockets live in. */
    public static String currentNetns() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "unknown";
        }
    }
}
