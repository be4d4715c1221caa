package dev.viaduct.bfd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.viaduct.bfd.packet.BfdCodec;
import dev.viaduct.bfd.packet.Decoded;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;
import dev.viaduct.bfd.session.BfdSession;
import dev.viaduct.bfd.session.SessionAction;
import dev.viaduct.bfd.session.SessionEvent;
import dev.viaduct.sys.libc.Errno;
import dev.viaduct.sys.libc.ErrnoException;
import dev.viaduct.sys.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The manager's engine: one dedicated platform thread that owns every session, socket and counter. It blocks
 * in poll(2) on the receive sockets and an eventfd, with the earliest session deadline as timeout; on waking
 * it reads every queued datagram (GTSM check, decode, demultiplex, hand to the session), runs the commands
 * other threads queued, and fires due timers. Because one thread owns all mutable state there are no locks;
 * other threads talk to it only through {@link #call}, and state changes leave it as immutable
 * {@link StateChange} records delivered to subscribers on their own virtual threads (a slow subscriber cannot
 * delay a BFD packet).
 *
 * <p>The thread is a platform thread, not a virtual one: it blocks in an FFM downcall and may {@code setns}
 * into a node's network namespace before opening any socket (sockets then stay in that namespace).
 *
 * <p>One class (~660 lines): everything here runs on the loop's thread and shares its lock-free state (sessions,
 * timers, sockets, counters); split, the single-owner rule would span classes that each look thread-safe alone.
 */
final class EventLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger(BfdManager.class.getName());
    /** RFC 5881 §4: "BFD Control packets MUST be transmitted in UDP packets with destination port 3784". */
    static final int CONTROL_PORT = 3784;
    /** RFC 5881 §5: single-hop packets are sent with, and must arrive with, TTL / Hop Limit 255. */
    static final int GTSM_TTL = 255;
    private static final int MAX_DATAGRAMS_PER_WAKEUP = 64;
    private static final long CALL_TIMEOUT_SECONDS = 10;

    private final String name;
    private final Optional<Path> namespace;
    /** The C bit of every session's packets (see {@link BfdManager.Options#controlPlaneIndependent}). */
    private final boolean controlPlaneIndependent;
    private final Thread thread;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Instant wallBase = Instant.now();
    private final long nanoBase = System.nanoTime();
    private volatile boolean running = true;

    // owned by the loop thread
    private final Map<SessionKey, SessionEntry> sessions = new HashMap<>();
    private final Map<Long, SessionEntry> byDiscriminator = new HashMap<>();
    private final Map<SessionKey, Receiver> receivers = new HashMap<>();
    private final EnumMap<DiscardReason, Long> unmatched = new EnumMap<>(DiscardReason.class);
    /** Session deadlines, earliest first; re-arming leaves the old entry behind, skipped as stale when it surfaces. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::deadline).thenComparingLong(Timer::seq));
    private long timerSeq;
    private final SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());
    private Arena arena;
    private MemorySegment callState;
    private MemorySegment eventBuffer;
    /** The eventfd other threads write to wake the loop; guarded by {@link #wakeLock} so it is never written after close. */
    private volatile int wakeFd = -1;
    private final Object wakeLock = new Object();
    private List<Receiver> polled = List.of();
    private Arena pollArena;
    private MemorySegment pollFds;
    private boolean pollSetChanged = true;

    EventLoop(String name, Optional<Path> namespace, boolean controlPlaneIndependent) {
        this.name = name;
        this.namespace = namespace;
        this.controlPlaneIndependent = controlPlaneIndependent;
        this.thread = Thread.ofPlatform().name(name + "-loop").daemon(true).unstarted(this);
    }

    /** Starts the thread and waits until it entered its namespace and can take commands. */
    void start() throws BfdSocketException {
        thread.start();
        try {
            started.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BfdSocketException b) {
                throw b;
            }
            throw new IllegalStateException("BFD event loop failed to start", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted starting the BFD event loop", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("BFD event loop did not start within " + CALL_TIMEOUT_SECONDS + " s");
        }
    }

    /** Runs {@code task} on the loop thread and returns its result (inline when already on it). */
    <T> T call(Callable<T> task) throws BfdSocketException {
        if (Thread.currentThread() == thread) {
            try {
                return task.call();
            } catch (BfdSocketException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (!running) {
            throw new IllegalStateException("BFD manager " + name + " is closed");
        }
        FutureTask<T> f = new FutureTask<>(task);
        commands.add(f);
        wake();
        try {
            return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof BfdSocketException b) {
                throw b;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the BFD event loop", e);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new IllegalStateException("BFD event loop " + name + " did not answer within " + CALL_TIMEOUT_SECONDS + " s");
        }
    }

    Subscriber subscribe(Consumer<StateChange> listener) {
        Subscriber s = new Subscriber(listener, subscribers);
        subscribers.add(s);
        return s;
    }

    /** Stops the loop after removing every session (each sends AdminDown first); waits for the thread. */
    void shutdown() {
        if (!thread.isAlive()) {
            running = false;
            closeSubscribers();
            return;
        }
        try {
            call(() -> {
                for (SessionKey k : List.copyOf(sessions.keySet())) {
                    remove(k);
                }
                running = false;
                return null;
            });
        } catch (BfdSocketException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "bfd shutdown manager=" + name + " error=" + e);
            running = false;
            wake();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(CALL_TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSubscribers();
    }

    private void closeSubscribers() {
        for (Subscriber s : subscribers) {
            s.close();
        }
    }

    // ------------------------------------------------------------------ the loop

    @Override
    public void run() {
        try {
            arena = Arena.ofConfined(); // this thread's alone
            callState = Libc.newCallState(arena);
            eventBuffer = arena.allocate(JAVA_LONG);
            if (namespace.isPresent()) {
                UdpCalls.enterNamespace(namespace.get().toString());
            }
            try {
                wakeFd = Libc.eventfd(callState, 0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            } catch (ErrnoException e) {
                throw BfdSocketException.of("eventfd", e);
            }
        } catch (Throwable t) {
            running = false;
            if (arena != null) {
                arena.close();
            }
            started.completeExceptionally(t);
            return;
        }
        started.complete(null);
        LOG.log(System.Logger.Level.DEBUG, () -> "bfd loop started manager=" + name + " netns=" + namespace.map(Path::toString).orElse("inherited"));
        try {
            while (running) {
                iterate();
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "bfd loop manager=" + name + " died", t);
            running = false;
        } finally {
            for (SessionEntry e : sessions.values()) {
                e.tx.close();
            }
            for (Receiver r : receivers.values()) {
                r.socket.close();
            }
            sessions.clear();
            receivers.clear();
            synchronized (wakeLock) {
                UdpCalls.closeQuietly(callState, wakeFd);
                wakeFd = -1;
            }
            if (pollArena != null) {
                pollArena.close();
            }
            Runnable pending;
            while ((pending = commands.poll()) != null) {
                if (pending instanceof FutureTask<?> f) {
                    f.cancel(false);
                }
            }
            arena.close();
        }
    }

    private void iterate() throws BfdSocketException {
        if (pollSetChanged) {
            rebuildPollSet();
        }
        while (!timers.isEmpty() && stale(timers.peek())) {
            timers.poll();
        }
        long now = System.nanoTime();
        long deadline = timers.isEmpty() ? Long.MAX_VALUE : timers.peek().deadline();
        int timeout;
        if (deadline == Long.MAX_VALUE) {
            timeout = 1000;
        } else {
            long ms = Math.ceilDiv(Math.max(0, deadline - now), 1_000_000L);
            timeout = (int) Math.min(ms, 1000);
        }
        List<Receiver> ready = polled;
        int n;
        try {
            n = Libc.poll(callState, pollFds, ready.size() + 1, timeout);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EINTR) {
                throw BfdSocketException.of("poll", e);
            }
            n = 0;
        }
        if (n > 0) {
            if ((pollFds.get(JAVA_SHORT, 6) & Libc.POLLIN) != 0) {
                drainWakeups();
            }
            for (int i = 0; i < ready.size(); i++) {
                if ((pollFds.get(JAVA_SHORT, 8L * (i + 1) + 6) & Libc.POLLIN) != 0) {
                    drain(ready.get(i));
                }
            }
        }
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
        }
        now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().deadline() <= now) {
            Timer t = timers.poll();
            if (!stale(t)) {
                dispatch(t.entry(), SessionEvent.TICK, now);
            }
        }
    }

    /** Resets the eventfd's counter; EAGAIN (nothing to reset) and EINTR leave a wake-up that changes nothing. */
    private void drainWakeups() {
        try {
            Libc.read(callState, wakeFd, eventBuffer, 8);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EAGAIN && e.errno() != Errno.EINTR) {
                throw e;
            }
        }
    }

    /** A deadline that was re-armed since, or belongs to a removed session. */
    private boolean stale(Timer t) {
        return t.seq() != t.entry().timerSeq || sessions.get(t.entry().key) != t.entry();
    }

    private void arm(SessionEntry e, long deadline) {
        e.timerSeq = ++timerSeq;
        if (deadline != Long.MAX_VALUE) {
            timers.add(new Timer(deadline, e.timerSeq, e));
        }
    }

    /** struct pollfd[]: the eventfd first, then one entry per receive socket (int fd, short events, short revents). */
    private void rebuildPollSet() {
        polled = List.copyOf(receivers.values());
        if (pollArena != null) {
            pollArena.close();
        }
        pollArena = Arena.ofConfined();
        pollFds = pollArena.allocate(8L * (polled.size() + 1), 8);
        pollFds.set(JAVA_INT, 0, wakeFd);
        pollFds.set(JAVA_SHORT, 4, Libc.POLLIN);
        for (int i = 0; i < polled.size(); i++) {
            pollFds.set(JAVA_INT, 8L * (i + 1), polled.get(i).socket.fd());
            pollFds.set(JAVA_SHORT, 8L * (i + 1) + 4, Libc.POLLIN);
        }
        pollSetChanged = false;
    }

    private void wake() {
        synchronized (wakeLock) {
            if (wakeFd < 0) {
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = a.allocate(JAVA_LONG);
                one.set(JAVA_LONG, 0, 1);
                Libc.write(Libc.newCallState(a), wakeFd, one, 8);
            } catch (ErrnoException e) {
                // only EAGAIN is possible (the counter at its maximum), and then the loop is already woken
                LOG.log(System.Logger.Level.DEBUG, () -> "bfd wake manager=" + name + " errno=" + e.errno());
            }
        }
    }

    // ------------------------------------------------------------------ receive path

    /** Reads what is queued on one receive socket (bounded, so one flooded socket cannot starve the timers). */
    private void drain(Receiver r) {
        for (int i = 0; i < MAX_DATAGRAMS_PER_WAKEUP; i++) {
            Datagram d;
            try {
                d = r.socket.receive();
            } catch (BfdSocketException e) {
                LOG.log(System.Logger.Level.WARNING, "bfd receive manager=" + name + " socket=" + r.socket + " error=" + e.getMessage());
                return;
            }
            if (d == null) {
                return;
            }
            received(r, d);
        }
    }

    /** RFC 5881 §5 GTSM, RFC 5880 §6.8.6 packet checks, then demultiplexing (§6.8.6, RFC 5881 §3). */
    void received(Receiver r, Datagram d) {
        long now = System.nanoTime();
        SessionEntry byAddress = r.byPeer.get(d.source());
        if (d.ttl() != GTSM_TTL) {
            discard(byAddress, DiscardReason.TTL_NOT_255, d, "TTL " + d.ttl());
            return;
        }
        switch (BfdCodec.decode(ByteBuffer.wrap(d.payload()))) {
            case Decoded.Invalid invalid -> discard(byAddress, invalid.reason(), d, invalid.detail());
            case Decoded.Valid valid -> {
                long yours = valid.packet().yourDiscriminator();
                SessionEntry target;
                if (yours != 0) {
                    target = byDiscriminator.get(yours);
                    if (target == null || target.receiver != r) {
                        discard(byAddress, DiscardReason.NO_SESSION, d, "Your Discriminator " + yours + " selects no session on " + r.key);
                        return;
                    }
                } else {
                    target = byAddress;
                    if (target == null) {
                        discard(null, DiscardReason.NO_SESSION, d, "no session with peer " + d.source().getHostAddress() + " on " + r.key);
                        return;
                    }
                }
                target.packetsIn++;
                dispatch(target, new SessionEvent.Received(valid.packet()), now);
            }
        }
    }

    private void discard(SessionEntry e, DiscardReason reason, Datagram d, String detail) {
        if (e != null) {
            e.packetsIn++;
            e.discarded.merge(reason, 1L, Long::sum);
        } else {
            unmatched.merge(reason, 1L, Long::sum);
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "bfd discard manager=" + name + " from=" + d.source().getHostAddress() + ":"
                + d.sourcePort() + " reason=" + reason + " detail=\"" + detail + "\"");
    }

    // ------------------------------------------------------------------ actions

    private void dispatch(SessionEntry e, SessionEvent event, long now) {
        for (SessionAction a : e.fsm.handle(now, event)) {
            switch (a) {
                case SessionAction.Transmit t -> send(e, BfdCodec.encode(t.packet()));
                case SessionAction.StateChanged c -> {
                    Instant at = toInstant(now);
                    e.lastStateChange = at;
                    StateChange change = new StateChange(e.key, c.from(), c.to(), c.diag(), c.remoteAdminDown(), at, now);
                    for (Subscriber s : subscribers) {
                        s.offer(change);
                    }
                }
                case SessionAction.Discarded x -> {
                    e.discarded.merge(x.reason(), 1L, Long::sum);
                    LOG.log(System.Logger.Level.DEBUG, () -> "bfd discard manager=" + name + " " + e.key + " reason=" + x.reason()
                            + " detail=\"" + x.detail() + "\"");
                }
                case SessionAction.ArmTimer t -> arm(e, t.deadlineNanos());
            }
        }
    }

    private void send(SessionEntry e, byte[] wire) {
        try {
            e.tx.send(wire, e.key.peer(), CONTROL_PORT, e.scopeId);
            e.packetsOut++;
        } catch (BfdSocketException ex) {
            e.sendErrors++;
            LOG.log(System.Logger.Level.DEBUG, () -> "bfd send manager=" + name + " " + e.key + " error=\"" + ex.getMessage() + "\"");
        }
    }

    // ------------------------------------------------------------------ commands (run on the loop thread)

    SessionKey add(SessionConfig c) throws BfdSocketException {
        SessionKey key = c.key();
        if (sessions.containsKey(key)) {
            throw new IllegalArgumentException("a BFD session already exists for " + key);
        }
        String ifname = c.interfaceName().orElse(null);
        SessionKey receiverKey = new SessionKey(key.local(), key.local(), c.interfaceName());
        Receiver r = receivers.get(receiverKey);
        boolean newReceiver = r == null;
        UdpSocket tx = null;
        try {
            if (newReceiver) {
                r = new Receiver(receiverKey, UdpSocket.open(new InetSocketAddress(key.local(), CONTROL_PORT), ifname, GTSM_TTL, true));
            }
            tx = UdpSocket.openInSourceRange(key.local(), ifname, GTSM_TTL, random);
            int scope = 0;
            if (key.peer() instanceof Inet6Address && key.peer().isLinkLocalAddress()) {
                scope = UdpCalls.ifNameToIndex(arena, callState, ifname);
            }
            long discriminator = newDiscriminator();
            long now = System.nanoTime();
            BfdSession fsm = new BfdSession(key.toString(), discriminator, c.timers(), c.auth(), random, now,
                    controlPlaneIndependent);
            SessionEntry e = new SessionEntry(key, c, fsm, tx, r, scope, toInstant(now));
            sessions.put(key, e);
            byDiscriminator.put(discriminator, e);
            r.byPeer.put(key.peer(), e);
            if (newReceiver) {
                receivers.put(receiverKey, r);
                pollSetChanged = true;
            }
            LOG.log(System.Logger.Level.INFO, "bfd session added manager=" + name + " " + key + " discriminator=" + discriminator
                    + " sourcePort=" + tx.localAddress().getPort() + " tx=" + c.timers().desiredMinTx().toMillis() + "ms rx="
                    + c.timers().requiredMinRx().toMillis() + "ms mult=" + c.timers().detectMultiplier()
                    + " auth=" + c.auth().map(a -> a.type().toString()).orElse("none"));
            dispatch(e, SessionEvent.START, now);
            return key;
        } catch (BfdSocketException | RuntimeException ex) {
            // nothing half-created: close what this call opened
            if (tx != null) {
                tx.close();
            }
            if (newReceiver && r != null) {
                r.socket.close();
            }
            throw ex;
        }
    }

    boolean remove(SessionKey key) {
        SessionEntry e = sessions.remove(key);
        if (e == null) {
            return false;
        }
        // Tell the peer this is administrative, not a failure (RFC 5880 §6.8.16, RFC 5882 §3.2)
        dispatch(e, new SessionEvent.AdminDown(Diagnostic.ADMINISTRATIVELY_DOWN), System.nanoTime());
        byDiscriminator.remove(e.fsm.localDiscriminator());
        e.receiver.byPeer.remove(key.peer());
        e.tx.close();
        if (e.receiver.byPeer.isEmpty()) {
            receivers.remove(e.receiver.key);
            e.receiver.socket.close();
            pollSetChanged = true;
        }
        LOG.log(System.Logger.Level.INFO, "bfd session removed manager=" + name + " " + key);
        return true;
    }

    void event(SessionKey key, SessionEvent event) {
        SessionEntry e = sessions.get(key);
        if (e == null) {
            throw new IllegalArgumentException("no BFD session for " + key);
        }
        if (event instanceof SessionEvent.Reconfigure r) {
            e.config = new SessionConfig(e.config.peer(), e.config.local(), e.config.interfaceName(), r.timers(), e.config.auth());
        }
        dispatch(e, event, System.nanoTime());
    }

    List<SessionStatus> statuses() {
        List<SessionStatus> out = new ArrayList<>(sessions.size());
        for (SessionEntry e : sessions.values()) {
            out.add(e.status());
        }
        return out;
    }

    Optional<SessionStatus> status(SessionKey key) {
        return Optional.ofNullable(sessions.get(key)).map(SessionEntry::status);
    }

    Map<DiscardReason, Long> unmatched() {
        return Map.copyOf(unmatched);
    }

    /** RFC 5880 §6.8.1: bfd.LocalDiscr "MUST be unique across all BFD sessions on this system, and nonzero". */
    private long newDiscriminator() {
        long d;
        do {
            d = random.nextLong() & 0xFFFF_FFFFL;
        } while (d == 0 || byDiscriminator.containsKey(d));
        return d;
    }

    private Instant toInstant(long nanos) {
        return wallBase.plusNanos(nanos - nanoBase);
    }

    // ------------------------------------------------------------------ loop-owned records

    private record Timer(long deadline, long seq, SessionEntry entry) {
    }

    /** A receive socket on local:3784 (per local address and interface), shared by that address's sessions. */
    static final class Receiver {
        final SessionKey key;
        final UdpSocket socket;
        final Map<InetAddress, SessionEntry> byPeer = new HashMap<>();

        Receiver(SessionKey key, UdpSocket socket) {
            this.key = key;
            this.socket = socket;
        }
    }

    /** One session and what surrounds it: its sending socket, receive socket, timer and counters. */
    final class SessionEntry {
        final SessionKey key;
        final BfdSession fsm;
        final UdpSocket tx;
        final Receiver receiver;
        final int scopeId;
        final EnumMap<DiscardReason, Long> discarded = new EnumMap<>(DiscardReason.class);
        SessionConfig config;
        /** Which of this session's entries in the timer queue is current. */
        long timerSeq;
        long packetsIn;
        long packetsOut;
        long sendErrors;
        Instant lastStateChange;

        SessionEntry(SessionKey key, SessionConfig config, BfdSession fsm, UdpSocket tx, Receiver receiver, int scopeId,
                Instant created) {
            this.key = key;
            this.config = config;
            this.fsm = fsm;
            this.tx = tx;
            this.receiver = receiver;
            this.scopeId = scopeId;
            this.lastStateChange = created;
        }

        SessionStatus status() {
            return new SessionStatus(key, fsm.snapshot(), lastStateChange, config.auth().isPresent(), tx.localAddress().getPort(),
                    new SessionStatus.Counters(packetsIn, packetsOut, sendErrors, discarded));
        }
    }

    /** Delivers state changes to one listener, in order, on its own virtual thread. */
    static final class Subscriber implements BfdManager.Subscription {
        private final java.util.concurrent.LinkedBlockingQueue<StateChange> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        private final CopyOnWriteArrayList<Subscriber> owner;
        private final Thread thread;
        private volatile boolean open = true;

        Subscriber(Consumer<StateChange> listener, CopyOnWriteArrayList<Subscriber> owner) {
            this.owner = owner;
            this.thread = Thread.ofVirtual().name("bfd-subscriber").start(() -> {
                while (open) {
                    StateChange c;
                    try {
                        c = queue.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        listener.accept(c);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "bfd subscriber failed on " + c, e);
                    }
                }
            });
        }

        void offer(StateChange c) {
            if (open) {
                queue.add(c);
            }
        }

        @Override
        public void close() {
            open = false;
            owner.remove(this);
            thread.interrupt();
        }
    }
}
