package dev.viaduct.bfd.daemon.client;

import dev.viaduct.bfd.daemon.BfdDaemon;
import dev.viaduct.bfd.daemon.protocol.BfddCodec;
import dev.viaduct.bfd.daemon.protocol.BfddCodec.BfddProtocolException;
import dev.viaduct.bfd.daemon.protocol.BfddLines;
import dev.viaduct.bfd.daemon.protocol.BfddMessage;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Event;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Failure;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.GetStatus;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Hello;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.SetSessions;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Shutdown;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Status;
import dev.viaduct.bfd.daemon.protocol.BfddMessage.Welcome;
import dev.viaduct.sys.log.Log;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent's end of the bfdd protocol: keeps a connection to the daemon on {@code socket}, starting the daemon
 * when nobody answers there (at most once per {@link #SPAWN_INTERVAL}), says Hello, (re)sends the wanted sessions
 * after every (re)connection, and hands the Welcome, every event and every status to its {@link Handler}.
 * A daemon in another network namespace is refused (its sessions would be another node's); a daemon speaking
 * another protocol version is asked to shut down with AdminDown and replaced.
 *
 * <p>Concurrency: one virtual thread connects and reads; the handler is called on it, in the daemon's order.
 * Writes (from any thread) are serialized by a lock; requests wait for their reply with a timeout.
 */
public final class BfddLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.bfd");
    public static final Duration SPAWN_INTERVAL = Duration.ofSeconds(10);
    private static final Duration NETNS_MISMATCH_PAUSE = Duration.ofSeconds(10);

    /** Starts the daemon process; returns its pid. */
    public interface DaemonStarter {
        long start() throws IOException;
    }

    /** Told what the daemon says, on the link's thread, in order. */
    public interface Handler {
        /** Connected (first time or again): the daemon's identity and every session's state. */
        void welcome(Welcome w);

        void event(Event e);

        /** Every session's state, in answer to a request. */
        void status(Status s);

        /** The connection is gone (the daemon died or was replaced); the link reconnects by itself. */
        void lost(String why);
    }

    private final Path socket;
    private final String clientName;
    private final Optional<DaemonStarter> starter;
    private final Handler handler;
    private final String netns = BfdDaemon.currentNetns();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<BfddMessage.Reply>> pending = new ConcurrentHashMap<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile OutputStream out;
    private volatile SocketChannel channel;
    private volatile List<DesiredSession> desired;
    private volatile Welcome welcome;
    private volatile String lastError = "not connected yet";
    /** System.nanoTime since which the link has had no daemon; meaningful while {@code channel} is null. */
    private volatile long disconnectedSince = System.nanoTime();
    private volatile long spawnedPid = -1;
    private volatile boolean closed;
    private Thread loop;

    public BfddLink(Path socket, String clientName, Optional<DaemonStarter> starter, Handler handler) {
        this.socket = socket;
        this.clientName = clientName;
        this.starter = starter;
        this.handler = handler;
    }

    public void start() {
        loop = Thread.ofVirtual().name("bfdd-link").start(this::run);
    }

    /** Sends the wanted sessions now if connected, and after every reconnection. */
    public void desired(List<DesiredSession> sessions) {
        desired = List.copyOf(sessions);
        if (channel != null) {
            try {
                send(new SetSessions(ids.incrementAndGet(), sessions));
            } catch (IOException e) {
                // the reader sees the broken connection and reconnects; the set goes out again then
                LOG.log(System.Logger.Level.DEBUG, "bfd set not sent: {0}", e.toString());
            }
        }
    }

    /** Every session's state from the daemon, or empty when it does not answer within {@code timeout}. */
    public Optional<Status> status(Duration timeout) {
        return request(new GetStatus(ids.incrementAndGet()), timeout).flatMap(r -> r instanceof Status s ? Optional.of(s) : Optional.empty());
    }

    /** Asks the daemon to exit (see {@link Shutdown}); true when it acknowledged. */
    public boolean shutdownDaemon(boolean adminDown, Duration timeout) {
        return request(new Shutdown(ids.incrementAndGet(), adminDown), timeout).isPresent();
    }

    public boolean connected() {
        return channel != null;
    }

    /** Since when (System.nanoTime) the link has been without a daemon (since it was made, at first); empty while connected. */
    public java.util.OptionalLong disconnectedSince() {
        return channel != null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(disconnectedSince);
    }

    /** The daemon's last Welcome (who it is), if ever connected. */
    public Optional<Welcome> daemon() {
        return Optional.ofNullable(welcome);
    }

    /** Why the link is not connected (or the last problem it had). */
    public String lastError() {
        return lastError;
    }

    private Optional<BfddMessage.Reply> request(BfddMessage.Request r, Duration timeout) {
        if (channel == null) {
            return Optional.empty();
        }
        CompletableFuture<BfddMessage.Reply> f = new CompletableFuture<>();
        pending.put(r.id(), f);
        try {
            send(r);
            return Optional.of(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (IOException | ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            pending.remove(r.id());
        }
    }

    private void send(BfddMessage m) throws IOException {
        writeLock.lock();
        try {
            OutputStream o = out;
            if (o == null) {
                throw new IOException("not connected to bfdd");
            }
            BfddLines.write(o, m);
        } finally {
            writeLock.unlock();
        }
    }

    // ------------------------------------------------------------------ the connection loop

    private void run() {
        long backoffMillis = 20;
        long lastSpawnNanos = System.nanoTime() - SPAWN_INTERVAL.toNanos() - 1;
        while (!closed) {
            SocketChannel ch;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
            } catch (IOException e) {
                lastError = "cannot connect to bfdd at " + socket + ": " + e.getMessage();
                if (starter.isPresent() && System.nanoTime() - lastSpawnNanos > SPAWN_INTERVAL.toNanos()) {
                    lastSpawnNanos = System.nanoTime();
                    try {
                        spawnedPid = starter.get().start();
                        LOG.log(System.Logger.Level.INFO, "bfdd started pid={0} socket={1} ({2})", spawnedPid, socket, e.getMessage());
                    } catch (IOException ex) {
                        lastError = "cannot start bfdd: " + ex.getMessage();
                        LOG.log(System.Logger.Level.ERROR, "bfdd cannot be started: {0}", ex.getMessage());
                    }
                }
                if (!pause(Duration.ofMillis(backoffMillis))) {
                    return;
                }
                backoffMillis = Math.min(1000, backoffMillis * 2);
                continue;
            }
            backoffMillis = 20;
            String why = converse(ch);
            boolean wasConnected = channel != null;
            if (wasConnected) {
                disconnectedSince = System.nanoTime();
            }
            channel = null;
            out = null;
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all we want
            }
            for (var f : pending.values()) {
                f.completeExceptionally(new IOException("bfdd connection lost"));
            }
            if (closed) {
                return;
            }
            lastError = why;
            if (wasConnected) {
                Log.warn(LOG, "bfdd connection lost, reconnecting", "socket", socket, "reason", why);
                handler.lost(why);
            }
            if (!pause(Duration.ofMillis(backoffMillis))) {
                return;
            }
        }
    }

    /** One connection's life; returns why it ended. */
    private String converse(SocketChannel ch) {
        BfddLines lines = new BfddLines(Channels.newInputStream(ch));
        out = Channels.newOutputStream(ch);
        try {
            send(new Hello(ids.incrementAndGet(), BfddMessage.PROTOCOL, clientName));
            String first = lines.next();
            if (first == null) {
                return "bfdd closed the connection before answering Hello";
            }
            BfddMessage.Reply r = BfddCodec.decodeReply(first);
            if (r instanceof Failure f) {
                return "bfdd refused Hello: " + f.error();
            }
            if (!(r instanceof Welcome w)) {
                return "bfdd answered Hello with " + r.getClass().getSimpleName();
            }
            if (w.protocol() != BfddMessage.PROTOCOL) {
                LOG.log(System.Logger.Level.WARNING, "bfdd pid={0} speaks protocol {1}, this agent {2}: replacing it (AdminDown first)",
                        w.pid(), w.protocol(), BfddMessage.PROTOCOL);
                BfddLines.write(out, new Shutdown(ids.incrementAndGet(), true));
                while (lines.next() != null) {
                    // wait for it to go
                }
                return "replaced bfdd of protocol " + w.protocol();
            }
            if (!w.netns().equals(netns)) {
                String why = "bfdd pid=" + w.pid() + " on " + socket + " runs in network namespace " + w.netns() + ", this agent in "
                        + netns + ": every node needs its own bfd.socket";
                LOG.log(System.Logger.Level.ERROR, why);
                pause(NETNS_MISMATCH_PAUSE);
                return why;
            }
            welcome = w;
            channel = ch;
            lastError = "";
            Log.info(LOG, "bfdd connected", "pid", w.pid(), "startedAt", w.startedAt(), "sessions", w.sessions().size(),
                    "socket", socket);
            handler.welcome(w);
            List<DesiredSession> d = desired;
            if (d != null) {
                send(new SetSessions(ids.incrementAndGet(), d));
            }
            String line;
            while ((line = lines.next()) != null) {
                BfddMessage.Reply m = BfddCodec.decodeReply(line);
                switch (m) {
                    case Event e -> handler.event(e);
                    case Status s -> handler.status(s);
                    case Failure f -> LOG.log(System.Logger.Level.WARNING, "bfdd refused a request: {0}", f.error());
                    case Welcome x -> LOG.log(System.Logger.Level.WARNING, "bfdd sent a second Welcome; ignored");
                }
                CompletableFuture<BfddMessage.Reply> f = m.id() == 0 ? null : pending.get(m.id());
                if (f != null) {
                    f.complete(m);
                }
            }
            return "bfdd closed the connection";
        } catch (IOException e) {
            return "bfdd connection failed: " + e.getMessage();
        } catch (BfddProtocolException e) {
            return "bfdd sent an invalid message: " + e.getMessage();
        }
    }

    private boolean pause(Duration d) {
        try {
            Thread.sleep(d);
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Disconnects; the daemon and its sessions keep running. */
    @Override
    public void close() {
        closed = true;
        SocketChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is all we want
            }
        }
        if (loop != null) {
            loop.interrupt();
            try {
                loop.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
