package dev.viaduct.bgp.speaker;

import dev.viaduct.bgp.fsm.CollisionDecision;
import dev.viaduct.bgp.fsm.CollisionInput;
import dev.viaduct.bgp.fsm.CollisionResolver;
import dev.viaduct.bgp.fsm.DownReason;
import dev.viaduct.bgp.fsm.Fsm;
import dev.viaduct.bgp.fsm.FsmAction;
import dev.viaduct.bgp.fsm.FsmConfig;
import dev.viaduct.bgp.fsm.FsmEvent;
import dev.viaduct.bgp.fsm.FsmState;
import dev.viaduct.bgp.fsm.Negotiated;
import dev.viaduct.bgp.rib.InboundUpdate;
import dev.viaduct.bgp.rib.RibPeer;
import dev.viaduct.bgp.wire.AttributeError;
import dev.viaduct.bgp.wire.BgpCodec;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.CodecOptions;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Drives one peer: its FSM (and, during a connection collision, the second FSM of RFC 4271 §6.8 for the
 * other connection), the TCP connections, the timers, and the hand-over of UPDATEs to the RIB thread. Which
 * connection stays, goes or takes over is {@link CollisionResolver}'s decision; this class only carries it out.
 *
 * <p>Concurrency: virtual threads with blocking I/O — per connection one reader while it has bytes to read
 * (between bursts the transport's readiness starts the next one), and a writer while it has something to send
 * ({@link Outbox}); per peer a timer pass when a deadline is due ({@link #armTimer}); one short-lived thread per
 * outbound connect. All FSM state is guarded by {@link #lock}; every FSM call and the
 * actions it returns run under it, so the FSM sees one event at a time. Writers never run under the lock:
 * actions only enqueue bytes. Counters are atomics readable from anywhere.
 *
 * <p>Why one class of some 750 lines: the decisions already live elsewhere ({@link Fsm}, {@link CollisionResolver},
 * {@link Outbox}, the RIB); what is left is carrying them out in order under {@link #lock} against the same one or
 * two connections, and split further that lock's scope would span classes.
 */
final class PeerSession {
    private static final Logger LOG = System.getLogger(PeerSession.class.getName());
    /** The longest a session goes without a timer pass, whatever its deadlines. */
    private static final long TIMER_CAP = TimeUnit.SECONDS.toNanos(5);
    /**
     * Schedules the timer passes of every peer in the JVM. Its thread only starts each pass on a virtual thread,
     * so one busy peer never delays another's timers. Re-arming cancels often: cancelled tasks leave the queue.
     */
    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    /** One connection and the FSM that runs it. */
    final class Attempt {
        final Fsm fsm;
        Transport.Connection conn;
        Outbox outq;
        volatile CodecOptions codec = CodecOptions.FOUR_OCTET_AS;
        volatile InboundUpdate.Context importCtx;
        int connectSeq;
        int generation;

        Attempt(Fsm fsm) {
            this.fsm = fsm;
        }
    }

    private final BgpSpeaker speaker;
    final PeerConfig cfg;
    final RibPeer ribPeer;
    final ReentrantLock lock = new ReentrantLock();
    private Attempt primary;
    private Attempt secondary;
    private boolean closed;
    private boolean hardDown;
    private boolean restartingBitSent;
    private volatile int generation;
    /** Bounds the UPDATEs queued for the RIB thread per peer: a slow RIB slows the reader, and TCP the peer. */
    private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(512);
    /** Guarded by lock: the pending timer pass (null: none), when it runs, and its number (see {@link #armTimer}). */
    private ScheduledFuture<?> timerTask;
    private long timerAt = Long.MAX_VALUE;
    private long timerSeq;

    private volatile String state = "IDLE";
    private volatile long establishedAtNanos;
    private volatile String lastError;
    private volatile Set<Family> families = Set.of();
    private volatile boolean grNegotiated;
    final AtomicLong messagesIn = new AtomicLong();
    final AtomicLong messagesOut = new AtomicLong();
    final AtomicLong updatesIn = new AtomicLong();
    final AtomicLong notificationsIn = new AtomicLong();
    final AtomicLong notificationsOut = new AtomicLong();
    final AtomicLong refreshesIn = new AtomicLong();
    final AtomicLong establishedCount = new AtomicLong();
    final AtomicLong softErrors = new AtomicLong();

    PeerSession(BgpSpeaker speaker, PeerConfig cfg, RibPeer ribPeer) {
        this.speaker = speaker;
        this.cfg = cfg;
        this.ribPeer = ribPeer;
        this.primary = new Attempt(new Fsm(fsmConfig(true)));
    }

    private static ScheduledThreadPoolExecutor timers() {
        var t = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("bgp-timers").daemon(true).unstarted(r));
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    private FsmConfig fsmConfig(boolean firstSession) {
        SpeakerConfig s = speaker.config();
        long asn = s.asn();
        List<Capability> caps = new ArrayList<>();
        Set<Family> fams = EnumSet.copyOf(s.families());
        fams.retainAll(cfg.families());
        for (Family f : fams) {
            caps.add(new Capability.Multiprotocol(f));
        }
        caps.add(new Capability.RouteRefreshSupport());
        caps.add(new Capability.EnhancedRouteRefresh()); // RFC 7313 §3
        caps.add(new Capability.ExtendedMessage()); // RFC 8654 §3: we accept messages up to 65,535 octets
        caps.add(new Capability.FourOctetAs(asn));
        SpeakerConfig.GracefulRestart gr = s.gracefulRestart();
        if (gr != null) {
            List<Capability.GrFamily> gf = new ArrayList<>();
            for (Family f : fams) {
                gf.add(new Capability.GrFamily(f, gr.forwardingPreserved()));
            }
            // RFC 4724 §3: R bit only in the OPEN right after our restart
            caps.add(new Capability.GracefulRestart(gr.restarting() && firstSession, false, gr.restartTime(), gf));
        }
        int hold = cfg.holdTime() != null ? cfg.holdTime() : s.holdTime();
        int routerId = ipv4(s.routerId().getAddress());
        Open open = new Open(BgpCodec.BGP_VERSION, asn > 0xffff ? Open.AS_TRANS : (int) asn, hold, routerId, caps);
        return new FsmConfig(open, asn, cfg.asn(), cfg.passive(), s.connectRetrySeconds(), s.idleHoldSeconds(), 3);
    }

    static int ipv4(byte[] b) {
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    // ------------------------------------------------------------------ lifecycle

    void start() {
        lock.lock();
        try {
            execute(primary, primary.fsm.handle(new FsmEvent.Start(), now())); // arms the timers
        } finally {
            lock.unlock();
        }
    }

    /** Stops with a Cease NOTIFICATION (RFC 4486 subcode) and ends the threads. */
    void stop(int ceaseSubcode, String reason) {
        lock.lock();
        try {
            if (secondary != null) {
                execute(secondary, secondary.fsm.handle(new FsmEvent.Stop(ceaseSubcode, reason), now()));
                secondary = null;
            }
            execute(primary, primary.fsm.handle(new FsmEvent.Stop(ceaseSubcode, reason), now()));
            closed = true;
            cancelTimer();
        } finally {
            lock.unlock();
        }
    }

    /** Closes every connection without a NOTIFICATION, as a crash would (peers see a lost connection). */
    void abort() {
        lock.lock();
        try {
            closed = true;
            for (Attempt at : new Attempt[] {primary, secondary}) {
                if (at != null && at.conn != null) {
                    try {
                        at.conn.close();
                    } catch (IOException ignored) {
                        // closing is all we want
                    }
                    at.conn = null;
                }
            }
            cancelTimer();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the session down at once and drops the peer's routes, with no graceful-restart retention (e.g.
     * BFD reported the path down, RFC 5882 §3.2); the FSM restarts after IdleHold as after any error.
     */
    void hardDown(String reason) {
        lock.lock();
        try {
            hardDown = true;
            if (secondary != null) {
                execute(secondary, secondary.fsm.handle(new FsmEvent.TcpFailed("hard down: " + reason), now()));
                secondary = null;
            }
            execute(primary, primary.fsm.handle(new FsmEvent.TcpFailed("hard down: " + reason), now()));
            lastError = "hard down: " + reason;
        } finally {
            hardDown = false;
            lock.unlock();
        }
        long t = now();
        speaker.rib().post(rib -> rib.peerDown(ribPeer, false, t));
    }

    /** Sends ROUTE-REFRESH (RFC 2918) for {@code f}; false when the session is not up or the peer lacks the capability. */
    boolean requestRefresh(Family f) {
        lock.lock();
        try {
            Negotiated n = primary.fsm.state() instanceof FsmState.Established e ? e.session() : null;
            if (n == null || !n.routeRefresh() || !n.families().contains(f)) {
                return false;
            }
            send(primary, new BgpMessage.RouteRefresh(f));
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for a timer pass in progress; after {@link #stop} or {@link #abort} none starts. */
    void join(Duration timeout) throws InterruptedException {
        if (lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ connections

    /** An accepted connection whose remote address is this peer's. */
    void onInbound(Transport.Connection conn) {
        lock.lock();
        try {
            if (closed) {
                closeQuietly(conn);
                return;
            }
            long now = now();
            switch (CollisionResolver.decide(new CollisionInput.Accepted(view(primary), view(secondary)))) {
                case CollisionDecision.HandToConfigured h -> {
                    attach(primary, conn);
                    execute(primary, primary.fsm.handle(new FsmEvent.InboundConnection(), now));
                }
                case CollisionDecision.RunAsSecond r -> {
                    LOG.log(Level.DEBUG, "peer={0} event=second-connection {1}", cfg.name(), r.why());
                    secondary = new Attempt(new Fsm(primary.fsm.config()));
                    attach(secondary, conn);
                    execute(secondary, secondary.fsm.handle(new FsmEvent.InboundConnection(), now));
                }
                case CollisionDecision.DumpNew d -> {
                    LOG.log(Level.DEBUG, "peer={0} event=connection-refused {1}", cfg.name(), d.why());
                    closeQuietly(conn);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void attach(Attempt at, Transport.Connection conn) {
        at.conn = conn;
        at.outq = new Outbox(conn, cfg.name());
        at.codec = CodecOptions.FOUR_OCTET_AS;
        startReader(at, conn);
    }

    private void startReader(Attempt at, Transport.Connection conn) {
        Thread.ofVirtual().name("bgp-read-" + cfg.name()).start(() -> readLoop(at, conn));
    }

    private void connect(Attempt at, int seq) {
        InetSocketAddress remote = new InetSocketAddress(cfg.address(), cfg.port());
        Transport.Connection conn;
        try {
            conn = speaker.transport().connect(remote, sourceAddress(), cfg.password(),
                    (int) Math.min(Integer.MAX_VALUE, speaker.config().connectRetrySeconds() * 1000L));
        } catch (IOException e) {
            lock.lock();
            try {
                if (!closed && at == primary && at.connectSeq == seq && at.conn == null && at.fsm.state() instanceof FsmState.Connect) {
                    lastError = "connect to " + remote + ": " + e.getMessage();
                    execute(at, at.fsm.handle(new FsmEvent.TcpFailed(String.valueOf(e.getMessage())), now()));
                }
            } finally {
                lock.unlock();
            }
            return;
        }
        lock.lock();
        try {
            if (closed || at != primary || at.connectSeq != seq || at.conn != null || !(at.fsm.state() instanceof FsmState.Connect)) {
                closeQuietly(conn); // overtaken (inbound adopted, or stopped)
                return;
            }
            attach(at, conn);
            execute(at, at.fsm.handle(new FsmEvent.TcpConnected(true), now()));
        } finally {
            lock.unlock();
        }
    }

    /** The configured local address, else the speaker's listen address when it is specific and of the peer's family. */
    private java.net.InetAddress sourceAddress() {
        if (cfg.localAddress() != null) {
            return cfg.localAddress();
        }
        InetSocketAddress l = speaker.config().listen();
        if (l != null && !l.getAddress().isAnyLocalAddress()
                && l.getAddress().getAddress().length == cfg.address().getAddress().length) {
            return l.getAddress();
        }
        return null;
    }

    /**
     * Reads messages while bytes are there (at least one: it starts on input); after a message, with none
     * buffered, it ends and the next reader starts when the transport reports input
     * ({@link Transport.Connection#whenReadable}). A reader parked for its connection's whole life kept a frozen
     * stack on the heap per session (a herd of 1,000 clients: 1,856 stack chunks, 7.3 MiB, while their frames were
     * still interpreted), where a readiness registration is a future. On a transport that cannot report input the
     * reader parks in a read; the loop is kept small and each message is handled in {@link #receive}, so such a
     * parked reader's frames stay few.
     */
    private void readLoop(Attempt at, Transport.Connection conn) {
        byte[] header = new byte[BgpCodec.HEADER_LENGTH];
        try {
            InputStream in = conn.input();
            while (true) {
                if (in.readNBytes(header, 0, header.length) < header.length) {
                    lostConnection(at, conn, "connection closed by peer");
                    return;
                }
                if (!receive(at, conn, in, header)) {
                    return;
                }
                if (conn.whenReadable(() -> startReader(at, conn))) {
                    return;
                }
            }
        } catch (IOException e) {
            lostConnection(at, conn, String.valueOf(e.getMessage()));
        }
    }

    /** Reads the rest of the message whose header is {@code header} and hands it on; false when reading must stop. */
    private boolean receive(Attempt at, Transport.Connection conn, InputStream in, byte[] header) throws IOException {
        BgpMessage msg;
        List<AttributeError> soft = new ArrayList<>(0);
        byte[] whole;
        try {
            // the session's limits: 4,096 octets until both OPENs offered Extended Messages (RFC 8654 §3)
            BgpCodec.Header h = BgpCodec.decodeHeader(header, 0, at.codec);
            whole = new byte[h.length()];
            System.arraycopy(header, 0, whole, 0, header.length);
            if (in.readNBytes(whole, header.length, whole.length - header.length) < whole.length - header.length) {
                lostConnection(at, conn, "connection closed by peer mid-message");
                return false;
            }
            msg = BgpCodec.decode(whole, 0, whole.length, at.codec, soft);
        } catch (BgpDecodeException e) {
            LOG.log(Level.WARNING, "peer={0} event=decode-error {1}", cfg.name(), e.getMessage());
            lock.lock();
            try {
                if (at.conn == conn) {
                    lastError = e.getMessage();
                    execute(at, at.fsm.handle(new FsmEvent.DecodeFailed(e), now()));
                }
            } finally {
                lock.unlock();
            }
            return false;
        }
        messagesIn.incrementAndGet();
        InboundUpdate inbound = null;
        if (msg instanceof BgpMessage.Update u) {
            updatesIn.incrementAndGet();
            InboundUpdate.Context ctx = at.importCtx;
            if (ctx != null) {
                inbound = InboundUpdate.convert(u, ctx, soft);
            }
            if (!soft.isEmpty()) {
                softErrors.addAndGet(soft.size());
                for (AttributeError err : soft) {
                    // reflection loops are routine between reflectors of one cluster (RFC 4456 §8): counted, not shouted
                    boolean loop = String.valueOf(err).contains("reflection loop");
                    LOG.log(loop ? Level.DEBUG : Level.WARNING, "peer={0} event=rfc7606 {1}", cfg.name(), err);
                }
            }
        } else if (msg instanceof BgpMessage.Notification n) {
            notificationsIn.incrementAndGet();
            lastError = "received " + n;
        } else if (msg instanceof BgpMessage.RouteRefresh) {
            refreshesIn.incrementAndGet();
        }
        java.util.function.Consumer<dev.viaduct.bgp.rib.Rib> work = null;
        lock.lock();
        try {
            if (at.conn != conn) {
                return false; // this connection was closed meanwhile
            }
            List<FsmAction> actions = at.fsm.handle(new FsmEvent.Received(msg), now());
            if (msg instanceof Open && at.fsm.state() instanceof FsmState.OpenConfirm) {
                acceptOpen(at, actions);
            } else {
                execute(at, actions);
            }
            if (at.fsm.state() instanceof FsmState.Established && at == primary) {
                int gen = at.generation;
                if (inbound != null) {
                    InboundUpdate iu = inbound;
                    work = rib -> {
                        if (generation(gen)) {
                            rib.apply(ribPeer, iu, now());
                        }
                    };
                } else if (msg instanceof BgpMessage.RouteRefresh rr && rr.family().isPresent()) {
                    Family f = rr.family().get();
                    BgpMessage.RouteRefresh.Kind kind = rr.kind(at.codec.enhancedRouteRefresh());
                    if (kind == BgpMessage.RouteRefresh.Kind.IGNORED) {
                        // RFC 7313 §5: ignored, and SHOULD be logged
                        LOG.log(Level.WARNING, "peer={0} event=route-refresh-ignored subtype={1}", cfg.name(), rr.subtype());
                    } else {
                        work = rib -> {
                            if (generation(gen)) {
                                switch (kind) {
                                    case REQUEST -> rib.routeRefreshRequested(ribPeer, f);
                                    case BEGIN -> rib.routeRefreshBegins(ribPeer, f, now());
                                    case END -> rib.routeRefreshEnds(ribPeer, f);
                                    case IGNORED -> {
                                    }
                                }
                            }
                        };
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (work != null) {
            java.util.function.Consumer<dev.viaduct.bgp.rib.Rib> w = work;
            inFlight.acquireUninterruptibly();
            speaker.rib().post(rib -> {
                try {
                    w.accept(rib);
                } finally {
                    inFlight.release();
                }
            });
        }
        return !(msg instanceof BgpMessage.Notification);
    }

    private boolean generation(int gen) {
        return gen == generation;
    }

    private void lostConnection(Attempt at, Transport.Connection conn, String why) {
        lock.lock();
        try {
            if (at.conn == conn) {
                lastError = why;
                execute(at, at.fsm.handle(new FsmEvent.TcpFailed(why), now()));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The FSM's state and connection as {@link CollisionResolver} sees them; null for no FSM. */
    private static CollisionInput.FsmView view(Attempt at) {
        return at == null ? null : CollisionInput.FsmView.of(at.fsm, at.conn != null);
    }

    /**
     * An OPEN took {@code at} to OpenConfirm: collision detection runs before the FSM's KEEPALIVE leaves (RFC 4271
     * §8.2.2, OpenSent: "if this connection is to be dropped due to connection collision", a NOTIFICATION instead of
     * the KEEPALIVE). Sent first, the KEEPALIVE took the peer's side of a losing connection to Established just
     * before the Cease ended it: a session up and down for nothing.
     */
    private void acceptOpen(Attempt at, List<FsmAction> actions) {
        Transport.Connection conn = at.conn;
        execute(at, actions.stream().filter(a -> !(a instanceof FsmAction.Send)).toList());
        resolveCollision(at);
        if (at.conn == conn) {
            for (FsmAction a : actions) {
                if (a instanceof FsmAction.Send s) {
                    send(at, s.message());
                }
            }
        }
    }

    /** RFC 4271 §6.8, run when an OPEN was accepted on {@code at}: carries out {@link CollisionResolver}'s answer. */
    private void resolveCollision(Attempt at) {
        FsmConfig fc = primary.fsm.config();
        var in = new CollisionInput.OpenReceived(at == primary ? CollisionInput.Role.CONFIGURED : CollisionInput.Role.SECOND,
                view(primary), view(secondary), fc.routerId(), fc.localAs());
        switch (CollisionResolver.decide(in)) {
            case CollisionDecision.KeepConfigured k -> {
            }
            case CollisionDecision.DumpNew d -> dump(secondary, d.notification(), d.why());
            case CollisionDecision.DumpOld d -> dump(primary, d.notification(), d.why());
            case CollisionDecision.TreatAsRestart r -> {
                // The old session ends as if its connection had failed (routes kept as stale), and execute promotes
                // the new connection's FSM. The old FSM's SessionDown records the reason as the peer's last error.
                LOG.log(speaker.info(), "peer={0} event=restart-detected {1}", cfg.name(), r.why());
                execute(primary, primary.fsm.handle(new FsmEvent.TcpFailed(r.why()), now()));
            }
        }
    }

    /** The loser's FSM sends {@code cease} and ends; if it was the configured one, {@link #execute} promotes the other. */
    private void dump(Attempt loser, BgpMessage.Notification cease, String why) {
        LOG.log(speaker.info(), "peer={0} event=collision closing={1} direction={2} why=\"{3}\"", cfg.name(),
                loser == primary ? "configured" : "second", loser.fsm.outbound() ? "outbound" : "inbound", why);
        execute(loser, loser.fsm.handle(new FsmEvent.CollisionDump(cease), now()));
    }

    /**
     * Makes the second FSM the peer's session ({@link CollisionDecision.PromoteSecond}). It was built from the same
     * configuration, so after a later error it restarts (actively or passively) exactly as the configured one would.
     * {@code session}: its negotiated session when it is Established already, whose SessionUp is acted on now.
     */
    private void promoteSecondary(Negotiated session) {
        primary = secondary;
        secondary = null;
        String from = state;
        String to = FsmState.name(primary.fsm.state());
        LOG.log(speaker.info(), "peer={0} event=collision-promoted state={1}->{2} the second connection is now the session",
                cfg.name(), from, to);
        if (!to.equals(from)) {
            state = to;
            speaker.peerStateChanged(this, from, to, "collision: the second connection is now the session");
        }
        if (session != null) {
            sessionUp(primary, session);
        }
    }

    // ------------------------------------------------------------------ actions

    private void execute(Attempt at, List<FsmAction> actions) {
        for (FsmAction a : actions) {
            switch (a) {
                case FsmAction.Connect c -> {
                    if (at == primary && !closed) {
                        int seq = ++at.connectSeq;
                        Thread.ofVirtual().name("bgp-connect-" + cfg.name()).start(() -> connect(at, seq));
                    }
                }
                case FsmAction.Send s -> send(at, s.message());
                case FsmAction.Disconnect d -> {
                    if (at.conn != null) {
                        at.outq.close();
                        at.conn = null;
                    }
                    at.connectSeq++;
                }
                case FsmAction.SessionUp up -> sessionUp(at, up.session());
                case FsmAction.SessionDown down -> sessionDown(at, down.session(), down.reason());
                case FsmAction.Transition t -> onTransition(at, t);
            }
        }
        switch (CollisionResolver.decide(new CollisionInput.Settled(view(primary), view(secondary)))) {
            case CollisionDecision.KeepConfigured k -> {
            }
            case CollisionDecision.ForgetSecond f -> secondary = null;
            case CollisionDecision.PromoteSecond p -> promoteSecondary(p.session());
        }
        armTimer(); // every deadline change comes through here
    }

    private long nextDeadline() {
        long next = primary.fsm.nextDeadline();
        return secondary == null ? next : Math.min(next, secondary.fsm.nextDeadline());
    }

    private void send(Attempt at, BgpMessage m) {
        if (at.conn == null) {
            return;
        }
        byte[] bytes = BgpCodec.encode(m, at.codec);
        if (m instanceof BgpMessage.Notification n) {
            notificationsOut.incrementAndGet();
            LOG.log(speaker.info(), "peer={0} event=notification-sent {1}", cfg.name(), n);
        }
        if (m instanceof Open o) {
            restartingBitSent |= o.capability(Capability.GracefulRestart.class).map(Capability.GracefulRestart::restarting).orElse(false);
        }
        messagesOut.incrementAndGet();
        at.outq.add(bytes);
    }

    private void onTransition(Attempt at, FsmAction.Transition t) {
        String to = FsmState.name(t.to());
        if (t.to() instanceof FsmState.OpenConfirm oc) {
            at.codec = oc.session().codec();
        }
        if (at != primary && !(t.to() instanceof FsmState.Idle)) {
            LOG.log(Level.DEBUG, "peer={0} collision-fsm {1}->{2}", cfg.name(), FsmState.name(t.from()), to);
            return;
        }
        if (at != primary) {
            return;
        }
        if (t.to() instanceof FsmState.Idle && at.fsm.lastDown() != null) {
            lastError = at.fsm.lastDown().toString();
        }
        state = to;
        Log.at(LOG, t.to() instanceof FsmState.Established || t.from() instanceof FsmState.Established ? speaker.info() : Level.DEBUG,
                "peer state", "peer", cfg.name(), "state", FsmState.name(t.from()) + "->" + to, "cause", t.cause());
        speaker.peerStateChanged(this, FsmState.name(t.from()), to, t.cause());
    }

    private void sessionUp(Attempt at, Negotiated n) {
        if (at != primary) {
            return;
        }
        generation++;
        at.generation = generation;
        establishedAtNanos = now();
        establishedCount.incrementAndGet();
        families = n.families();
        grNegotiated = n.gracefulRestart();
        lastError = null;
        Transport.Connection conn = at.conn;
        SpeakerConfig s = speaker.config();
        int clusterId = ipv4((s.clusterId() == null ? s.routerId() : s.clusterId()).getAddress());
        at.importCtx = new InboundUpdate.Context(s.asn(), ipv4(s.routerId().getAddress()), clusterId, n.peerAs(),
                n.fourOctetAs(), conn.localAddress().getAddress());
        if (restartingBitSent) {
            // the R bit is for the first OPEN after our restart only
            primary.fsm.reconfigure(fsmConfig(false));
        }
        Outbox q = at.outq;
        RibOwner ribOwner = speaker.rib();
        RibPeer.Session rs = new RibPeer.Session(conn.remoteAddress().getAddress(), n.peerId(), conn.localAddress().getAddress(),
                n.families(), n.codec(), n.routeRefresh(), n.peerGracefulRestart(), bytes -> {
                    messagesOut.incrementAndGet();
                    ribOwner.send(q, bytes); // called by the RIB on its thread
                }, q::blocked);
        q.onWritable(() -> ribOwner.post(rib -> rib.writable(ribPeer)));
        long t = now();
        speaker.rib().post(rib -> rib.peerUp(ribPeer, rs, t));
    }

    private void sessionDown(Attempt at, Negotiated n, DownReason reason) {
        if (at != primary) {
            return;
        }
        generation++;
        families = Set.of();
        establishedAtNanos = 0;
        lastError = reason.toString();
        boolean retain = !hardDown && reason.retainsRoutes() && n.gracefulRestart();
        long t = now();
        speaker.rib().post(rib -> rib.peerDown(ribPeer, retain, t));
    }

    // ------------------------------------------------------------------ timers and I/O threads

    /**
     * Under the lock: makes sure a timer pass ({@link #timerPass}) runs by the earliest FSM deadline, and within
     * {@link #TIMER_CAP}, a safety net well inside any keepalive. A pending pass due no later is kept; an earlier
     * deadline replaces it; a pass that runs early (its deadline moved later) finds nothing due and arms the next.
     * So an idle session wakes only for its own timers (a mesh of hundreds of peers once spent most of its idle
     * CPU on once-a-second wake-ups), and no thread waits for them: a timer thread parked per peer kept its frozen
     * stack on the heap, a few KiB per session end of a full mesh (bench/bgp-scale), where a pending pass is a
     * scheduled task of ~100 bytes.
     */
    private void armTimer() {
        if (closed) {
            return;
        }
        long now = now();
        long at = Math.min(nextDeadline(), now + TIMER_CAP);
        if (timerTask != null && timerAt <= at) {
            return;
        }
        cancelTimer();
        long seq = ++timerSeq;
        timerAt = at;
        // the scheduler's one thread only starts the pass: the pass waits for this peer's lock, not the scheduler
        timerTask = TIMERS.schedule(() -> Thread.ofVirtual().name("bgp-timer-" + cfg.name()).start(() -> timerPass(seq)),
                Math.max(0, at - now), TimeUnit.NANOSECONDS);
    }

    /** Under the lock. */
    private void cancelTimer() {
        if (timerTask != null) {
            timerTask.cancel(false);
            timerTask = null;
            timerAt = Long.MAX_VALUE;
        }
    }

    /** Fires the FSM timers that are due and arms the next pass; {@code seq}: the number {@link #armTimer} gave it. */
    private void timerPass(long seq) {
        lock.lock();
        try {
            if (seq == timerSeq) { // else a pass that was replaced but had started already: harmless, it fires what is due
                timerTask = null;
                timerAt = Long.MAX_VALUE;
            }
            if (closed) {
                return;
            }
            long now = now();
            execute(primary, primary.fsm.onTimers(now));
            if (secondary != null) {
                execute(secondary, secondary.fsm.onTimers(now));
            }
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(Transport.Connection c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already broken
        }
    }

    private long now() {
        return speaker.clock().getAsLong();
    }

    // ------------------------------------------------------------------ status

    PeerStatus status() {
        long up = establishedAtNanos;
        String st = state;
        Duration uptime = "ESTABLISHED".equals(st) && up != 0 ? Duration.ofNanos(Math.max(0, now() - up)) : Duration.ZERO;
        return new PeerStatus(cfg.name(), cfg.address(), cfg.asn(), st, uptime, ribPeer.receivedCount(), ribPeer.acceptedCount(),
                ribPeer.advertisedCount(), lastError, messagesIn.get(), messagesOut.get(), updatesIn.get(), ribPeer.updatesSent(),
                notificationsIn.get(), notificationsOut.get(), refreshesIn.get(), establishedCount.get(), softErrors.get(),
                families, grNegotiated, "ESTABLISHED".equals(st) ? ribPeer.endOfRib() : Set.of());
    }

    /** For tests: the RFC 7606 and decode error texts are logged; this reports the notification counters. */
    String state() {
        return state;
    }

    static String describe(int code, int subcode) {
        return ErrorCodes.describe(code, subcode);
    }
}
