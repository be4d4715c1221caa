package dev.viaduct.bfd.session;

import dev.viaduct.bfd.packet.AuthKey;
import dev.viaduct.bfd.packet.AuthSection;
import dev.viaduct.bfd.packet.Authentication;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;
import dev.viaduct.bfd.session.SessionAction.ArmTimer;
import dev.viaduct.bfd.session.SessionAction.Discarded;
import dev.viaduct.bfd.session.SessionAction.StateChanged;
import dev.viaduct.bfd.session.SessionAction.Transmit;
import dev.viaduct.sys.log.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * One BFD session in Asynchronous mode (RFC 5880 §6.8), as a pure state machine: events in
 * ({@link #handle}), actions out, time passed in as {@code nowNanos}. It owns the §6.8.1 state variables, the
 * three timers (periodic transmission, detection, and the {@code bfd.AuthSeqKnown} reset), the Poll Sequence and
 * the authentication sequence numbers; it never touches a socket or a clock.
 *
 * <p>What it implements: the three-way handshake of §6.2; reception after demultiplexing, in the order of
 * §6.8.6 (authentication, remote variables, Final, timers, the state table, the immediate Final); periodic
 * transmission with jitter of 75-100% of the interval (75-90% when our Detect Mult is 1, §6.8.7); detection time
 * {@code remote Detect Mult * max(bfd.RequiredMinRxInterval, remote Desired Min TX)} (§6.8.4); the one-second
 * Desired Min TX while not Up and the Poll Sequence for every interval change, with an increased TX interval
 * and a reduced RX interval taking effect only once the Final arrives (§6.5, §6.8.3); administrative down with
 * a diagnostic (§6.8.16); Simple Password, Keyed and Meticulous Keyed MD5/SHA1 with sequence number windows
 * (§6.7). We always take the Active role (§6.1), never ask for Demand mode (we do stop periodic packets when the
 * peer asks, §6.6) and do not run the Echo function (we advertise a Required Min Echo RX of 0).
 *
 * <p>Beyond the RFC's periodic schedule, a packet is sent at once whenever our state changes (so the peer
 * learns it without waiting up to a second), and the Final answering a Poll is sent at once (§6.8.6).
 *
 * <p>Concurrency: not thread-safe. Its owner (the manager's event loop thread) makes every call.
 */
public final class BfdSession {
    private static final System.Logger LOG = System.getLogger(BfdSession.class.getName());
    private static final long NONE = Long.MAX_VALUE;
    /** RFC 5880 §6.8.3: "When bfd.SessionState is not Up, the system MUST set bfd.DesiredMinTxInterval to ... not less than one second". */
    static final long SLOW_TX_MICROS = 1_000_000;
    private static final long U32 = 0xFFFF_FFFFL;

    private final String name;
    private final long localDiscr;
    private final Optional<AuthKey> auth;
    private final RandomGenerator random;
    private final boolean controlPlaneIndependent;
    private Timers timers;

    // RFC 5880 §6.8.1 state variables
    private BfdState state = BfdState.DOWN;
    private BfdState remoteState = BfdState.DOWN;
    private long remoteDiscr;
    private Diagnostic localDiag = Diagnostic.NONE;
    private Diagnostic remoteDiag = Diagnostic.NONE;
    /** bfd.DesiredMinTxInterval as advertised (µs). */
    private long desiredMinTx;
    /** bfd.RequiredMinRxInterval as advertised (µs). */
    private long requiredMinRx;
    /** The Desired Min TX our transmit interval uses: lags an increase until the Poll's Final (§6.8.3). */
    private long txInUse;
    /** The Required Min RX our detection time uses: lags a reduction until the Poll's Final (§6.8.3). */
    private long rxInUse;
    /** bfd.RemoteMinRxInterval: "This MUST be initialized to 1." */
    private long remoteMinRx = 1;
    private long remoteDesiredTx;
    private int remoteDetectMult;
    private boolean remoteDemand;

    // Poll Sequence (§6.5): after a Final, a packet without F must arrive before the next Poll (§6.8.3)
    private boolean pollActive;
    private boolean awaitNonFinal;

    // Authentication (§6.7)
    private boolean authSeqKnown;
    private long rcvAuthSeq;
    private long xmitAuthSeq;
    private long xmitSeqSecond = Long.MIN_VALUE;

    // Timers, as deadlines on the caller's nowNanos clock
    private boolean started;
    private long nextTxAt = NONE;
    private long lastTxAt;
    private long detectAt = NONE;
    private long lastRxAt;
    private long authSeqResetAt = NONE;
    private long armed = -1;

    private long lastStateChangeNanos;
    private long stateChanges;

    /**
     * A session in state Down (§6.8.1 initial values). Call {@link #handle} with {@link SessionEvent#START} to
     * begin transmitting.
     *
     * @param name               how logs name this session (e.g. the peer address)
     * @param localDiscriminator {@code bfd.LocalDiscr}: nonzero and unique among the caller's sessions (§6.8.1)
     * @param random             jitter and the initial {@code bfd.XmitAuthSeq}; the caller owns its thread safety
     */
    public BfdSession(String name, long localDiscriminator, Timers timers, Optional<AuthKey> auth, RandomGenerator random,
            long nowNanos) {
        this(name, localDiscriminator, timers, auth, random, nowNanos, false);
    }

    /**
     * A session whose packets carry the C bit when {@code controlPlaneIndependent} (RFC 5880 §4.1: "the
     * transmitting system's BFD implementation does not share fate with its control plane").
     */
    public BfdSession(String name, long localDiscriminator, Timers timers, Optional<AuthKey> auth, RandomGenerator random,
            long nowNanos, boolean controlPlaneIndependent) {
        this.controlPlaneIndependent = controlPlaneIndependent;
        if (localDiscriminator <= 0 || localDiscriminator > U32) {
            throw new IllegalArgumentException("local discriminator must be nonzero and 32 bits (RFC 5880 §6.8.1), got " + localDiscriminator);
        }
        this.name = Objects.requireNonNull(name);
        this.localDiscr = localDiscriminator;
        this.timers = Objects.requireNonNull(timers);
        this.auth = Objects.requireNonNull(auth);
        this.random = Objects.requireNonNull(random);
        this.desiredMinTx = Math.max(timers.desiredMinTxMicros(), SLOW_TX_MICROS);
        this.requiredMinRx = timers.requiredMinRxMicros();
        this.txInUse = desiredMinTx;
        this.rxInUse = requiredMinRx;
        // §6.8.1: bfd.XmitAuthSeq "MUST be initialized to a random 32-bit value"
        this.xmitAuthSeq = random.nextLong() & U32;
        this.lastStateChangeNanos = nowNanos;
    }

    public BfdState state() {
        return state;
    }

    public long localDiscriminator() {
        return localDiscr;
    }

    public Timers timers() {
        return timers;
    }

    /** The earliest pending deadline, {@link Long#MAX_VALUE} if none (also reported as {@link ArmTimer}). */
    public long nextDeadline() {
        return Math.min(nextTxAt, Math.min(detectAt, authSeqResetAt));
    }

    /** Applies one event and returns what to do; the last action is an {@link ArmTimer} when the deadline moved. */
    public List<SessionAction> handle(long nowNanos, SessionEvent event) {
        List<SessionAction> out = new ArrayList<>(3);
        switch (event) {
            case SessionEvent.Start s -> start(nowNanos, out);
            case SessionEvent.Received r -> receive(nowNanos, r.packet(), out);
            case SessionEvent.Tick t -> tick(nowNanos, out);
            case SessionEvent.AdminDown a -> adminDown(nowNanos, a.diag(), out);
            case SessionEvent.AdminUp u -> adminUp(nowNanos, out);
            case SessionEvent.Reconfigure c -> reconfigure(nowNanos, c.timers());
        }
        long next = nextDeadline();
        if (next != armed) {
            armed = next;
            out.add(new ArmTimer(next));
        }
        return out;
    }

    public SessionSnapshot snapshot() {
        long detect = detectionTimeNanos();
        return new SessionSnapshot(state, remoteState, localDiag, remoteDiag, localDiscr, remoteDiscr,
                micros(desiredMinTx), micros(requiredMinRx), timers.detectMultiplier(), micros(remoteDesiredTx),
                micros(remoteMinRx), remoteDetectMult, Duration.ofNanos(txIntervalNanos()),
                micros(Math.max(rxInUse, remoteDesiredTx)), detect == NONE ? Duration.ZERO : Duration.ofNanos(detect),
                pollActive, remoteDemand, lastStateChangeNanos, stateChanges);
    }

    // ------------------------------------------------------------------ events

    private void start(long now, List<SessionAction> out) {
        if (started) {
            return;
        }
        started = true;
        sendNow(now, out);
    }

    /** RFC 5880 §6.8.6, from the authentication checks on (the codec and the demultiplexer did the rest). */
    private void receive(long now, ControlPacket p, List<SessionAction> out) {
        Optional<Authentication.Failure> failure = Authentication.verify(p, auth);
        if (failure.isPresent()) {
            out.add(new Discarded(failure.get().reason(), failure.get().detail()));
            return;
        }
        if (p.auth().isPresent() && p.auth().get() instanceof AuthSection.KeyedDigest k) {
            if (authSeqKnown && !inSequenceWindow(k.sequence(), p.detectMult(), k.type().meticulous())) {
                out.add(new Discarded(DiscardReason.AUTH_SEQUENCE_OUT_OF_WINDOW, "sequence " + k.sequence() + " outside "
                        + rcvAuthSeq + (k.type().meticulous() ? "+1" : "") + ".." + rcvAuthSeq + "+" + 3 * p.detectMult()));
                return;
            }
            rcvAuthSeq = k.sequence();
            authSeqKnown = true;
        }

        long oldInterval = txIntervalNanos();
        remoteDiscr = p.myDiscriminator();
        remoteState = p.state();
        remoteDiag = p.diag();
        remoteDemand = p.demand();
        remoteMinRx = p.requiredMinRxMicros();
        remoteDesiredTx = p.desiredMinTxMicros();
        remoteDetectMult = p.detectMult();
        // Required Min Echo RX: we never send echo packets, so there is nothing to cease.
        boolean pollAfterwards = false;
        if (p.fin() && pollActive) {
            terminatePoll();
        } else if (!p.fin() && awaitNonFinal) {
            awaitNonFinal = false;
            pollAfterwards = true;
        }
        lastRxAt = now;
        long detect = detectionTimeNanos();
        detectAt = detect == NONE ? NONE : now + detect;
        // §6.8.1: bfd.AuthSeqKnown is cleared after twice the Detection Time without packets
        authSeqResetAt = authSeqKnown && detect != NONE ? now + 2 * detect : NONE;
        if (txIntervalNanos() != oldInterval) {
            rescheduleForInterval(now);
        }

        if (state == BfdState.ADMIN_DOWN) {
            out.add(new Discarded(DiscardReason.LOCAL_ADMIN_DOWN, "session is administratively down"));
            return;
        }
        BfdState before = state;
        if (p.state() == BfdState.ADMIN_DOWN) {
            if (state != BfdState.DOWN) {
                transition(now, BfdState.DOWN, Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, true, out);
            }
        } else {
            switch (state) {
                case DOWN -> {
                    if (p.state() == BfdState.DOWN) {
                        transition(now, BfdState.INIT, Diagnostic.NONE, false, out);
                    } else if (p.state() == BfdState.INIT) {
                        transition(now, BfdState.UP, Diagnostic.NONE, false, out);
                    }
                }
                case INIT -> {
                    if (p.state() == BfdState.INIT || p.state() == BfdState.UP) {
                        transition(now, BfdState.UP, Diagnostic.NONE, false, out);
                    }
                }
                case UP -> {
                    if (p.state() == BfdState.DOWN) {
                        transition(now, BfdState.DOWN, Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, false, out);
                    }
                }
                case ADMIN_DOWN -> throw new IllegalStateException("handled above");
            }
        }
        if (pollAfterwards) {
            reconcileIntervals(now);
        }
        if (!periodicAllowed()) {
            nextTxAt = NONE;
        } else if (nextTxAt == NONE) {
            nextTxAt = now + jittered(txIntervalNanos());
        }
        if (p.poll()) {
            // §6.8.6: answer a Poll with a Final "as soon as practicable, without respect to the transmission timer"
            out.add(new Transmit(build(now, true)));
        } else if (state != before) {
            sendNow(now, out);
        }
    }

    private void tick(long now, List<SessionAction> out) {
        if (detectAt <= now) {
            detectAt = NONE;
            boolean live = state == BfdState.INIT || state == BfdState.UP;
            // §6.8.1: bfd.RemoteDiscr "MUST be set to zero" after a Detection Time without a valid packet; the
            // peer's other variables go back to their initial values with it (a new peer may answer next).
            long oldInterval = txIntervalNanos();
            remoteDiscr = 0;
            remoteState = BfdState.DOWN;
            remoteDemand = false;
            remoteMinRx = 1;
            remoteDesiredTx = 0;
            remoteDetectMult = 0;
            pollActive = false;
            awaitNonFinal = false;
            if (live) {
                // §6.8.4 / §6.8.5: "the session has gone down"
                transition(now, BfdState.DOWN, Diagnostic.CONTROL_DETECTION_TIME_EXPIRED, false, out);
                sendNow(now, out);
            } else if (txIntervalNanos() != oldInterval) {
                rescheduleForInterval(now);
            }
        }
        if (authSeqResetAt <= now) {
            authSeqKnown = false;
            authSeqResetAt = NONE;
        }
        if (nextTxAt <= now) {
            if (periodicAllowed()) {
                out.add(new Transmit(build(now, false)));
                lastTxAt = now;
                nextTxAt = now + jittered(txIntervalNanos());
            } else {
                nextTxAt = NONE;
            }
        }
    }

    private void adminDown(long now, Diagnostic diag, List<SessionAction> out) {
        if (state == BfdState.ADMIN_DOWN) {
            return;
        }
        transition(now, BfdState.ADMIN_DOWN, diag, false, out);
        sendNow(now, out);
    }

    private void adminUp(long now, List<SessionAction> out) {
        if (state != BfdState.ADMIN_DOWN) {
            return;
        }
        transition(now, BfdState.DOWN, Diagnostic.NONE, false, out);
        sendNow(now, out);
    }

    private void reconfigure(long now, Timers next) {
        this.timers = Objects.requireNonNull(next);
        // A new Detect Mult simply goes out in the next packet; interval changes need a Poll Sequence.
        reconcileIntervals(now);
    }

    // ------------------------------------------------------------------ the one place state changes

    private void transition(long now, BfdState to, Diagnostic diag, boolean remoteAdminDown, List<SessionAction> out) {
        BfdState from = state;
        state = to;
        localDiag = diag;
        lastStateChangeNanos = now;
        stateChanges++;
        Log.at(LOG, to == BfdState.UP || from == BfdState.UP ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                "bfd state", "session", name, "from", from, "to", to, "diag", diag,
                "remoteAdminDown", remoteAdminDown, "remoteDiscr", remoteDiscr);
        out.add(new StateChanged(from, to, diag, remoteAdminDown));
        if (from == BfdState.UP) {
            // a Poll run while Up has no meaning for the restarted session
            pollActive = false;
            awaitNonFinal = false;
        }
        // Entering Up lifts the one-second floor, leaving it restores it (§6.8.3)
        reconcileIntervals(now);
    }

    // ------------------------------------------------------------------ timer negotiation (§6.8.2-6.8.4)

    /**
     * Brings the advertised intervals to what the configuration and state call for. Every change starts a
     * Poll Sequence when there is a peer to answer it; while Up, an increased Desired Min TX and a reduced
     * Required Min RX only take effect when the Final arrives (§6.8.3). Only one Poll runs at a time: a change
     * during a Poll waits for it to end and for the next packet without F.
     */
    private void reconcileIntervals(long now) {
        long targetTx = state == BfdState.UP ? timers.desiredMinTxMicros() : Math.max(timers.desiredMinTxMicros(), SLOW_TX_MICROS);
        long targetRx = timers.requiredMinRxMicros();
        if (targetTx == desiredMinTx && targetRx == requiredMinRx) {
            return;
        }
        if (pollActive || awaitNonFinal) {
            return;
        }
        long oldInterval = txIntervalNanos();
        long oldDetect = detectionTimeNanos();
        boolean deferrable = state == BfdState.UP && remoteDiscr != 0;
        if (!deferrable || targetTx < desiredMinTx) {
            txInUse = targetTx;
        }
        if (!deferrable || targetRx > requiredMinRx) {
            rxInUse = targetRx;
        }
        desiredMinTx = targetTx;
        requiredMinRx = targetRx;
        pollActive = remoteDiscr != 0;
        if (txIntervalNanos() != oldInterval) {
            rescheduleForInterval(now);
        }
        long detect = detectionTimeNanos();
        if (detectAt != NONE && detect != oldDetect && detect != NONE) {
            detectAt = lastRxAt + detect;
        }
    }

    private void terminatePoll() {
        pollActive = false;
        awaitNonFinal = true;
        txInUse = desiredMinTx;
        rxInUse = requiredMinRx;
    }

    /** §6.8.2 / §6.8.7: the larger of the Desired Min TX in use and the peer's Required Min RX. */
    private long txIntervalNanos() {
        return Math.max(txInUse, remoteMinRx) * 1000;
    }

    /** §6.8.4, Asynchronous mode: remote Detect Mult times the agreed receive interval. */
    private long detectionTimeNanos() {
        if (remoteDetectMult == 0) {
            return NONE;
        }
        return remoteDetectMult * Math.max(rxInUse, remoteDesiredTx) * 1000;
    }

    /**
     * §6.8.7: "The periodic transmission of BFD Control packets MUST be jittered on a per-packet basis by up to
     * 25% ... If bfd.DetectMult is equal to 1, the interval between transmitted BFD Control packets MUST be no
     * more than 90% of the negotiated transmission interval, and MUST be no less than 75%".
     */
    long jittered(long intervalNanos) {
        double factor = timers.detectMultiplier() == 1 ? 0.75 + 0.15 * random.nextDouble() : 0.75 + 0.25 * random.nextDouble();
        return (long) (intervalNanos * factor);
    }

    private void rescheduleForInterval(long now) {
        if (nextTxAt != NONE) {
            // a reduced peer Required Min RX is honoured at once (§6.8.3); an increased one is never undercut
            nextTxAt = Math.max(now, lastTxAt + jittered(txIntervalNanos()));
        }
    }

    /**
     * §6.8.7: no periodic packets if the peer's Required Min RX is zero, or while the peer runs Demand mode
     * (D set, both Up) unless we are polling.
     */
    private boolean periodicAllowed() {
        if (!started || remoteMinRx == 0) {
            return false;
        }
        return !(remoteDemand && state == BfdState.UP && remoteState == BfdState.UP && !pollActive);
    }

    // ------------------------------------------------------------------ transmission

    private void sendNow(long now, List<SessionAction> out) {
        if (!started) {
            return;
        }
        out.add(new Transmit(build(now, false)));
        lastTxAt = now;
        nextTxAt = periodicAllowed() ? now + jittered(txIntervalNanos()) : NONE;
    }

    /** §6.8.7 "Transmitting BFD Control Packets": the fields from the state variables. */
    private ControlPacket build(long now, boolean fin) {
        ControlPacket p = ControlPacket.of(localDiag, state, !fin && pollActive, fin, timers.detectMultiplier(), localDiscr,
                remoteDiscr, desiredMinTx, requiredMinRx);
        if (controlPlaneIndependent) {
            // set before signing: the digest covers the flags (RFC 5880 §6.7.3)
            p = new ControlPacket(p.diag(), p.state(), p.poll(), p.fin(), true, p.demand(), p.multipoint(), p.detectMult(),
                    p.myDiscriminator(), p.yourDiscriminator(), p.desiredMinTxMicros(), p.requiredMinRxMicros(),
                    p.requiredMinEchoRxMicros(), p.auth());
        }
        if (auth.isEmpty()) {
            return p;
        }
        AuthKey key = auth.get();
        if (key.type().keyed()) {
            // §6.7.3: meticulous types increment bfd.XmitAuthSeq for every packet; the others MAY, we do once a second
            long second = Math.floorDiv(now, 1_000_000_000L);
            if (key.type().meticulous() || second != xmitSeqSecond) {
                xmitAuthSeq = (xmitAuthSeq + 1) & U32;
                xmitSeqSecond = second;
            }
        }
        return Authentication.sign(p, key, xmitAuthSeq);
    }

    /**
     * §6.7.3 / §6.7.4: keyed types accept bfd.RcvAuthSeq..+3*Detect Mult, meticulous ones bfd.RcvAuthSeq+1..,
     * in 32-bit circular space.
     */
    private boolean inSequenceWindow(long sequence, int detectMult, boolean meticulous) {
        long ahead = (sequence - rcvAuthSeq) & U32;
        return ahead <= 3L * detectMult && (!meticulous || ahead >= 1);
    }

    private static Duration micros(long us) {
        return Duration.ofNanos(us * 1000);
    }

    @Override
    public String toString() {
        return "BfdSession[" + name + " " + state + " local=" + Long.toUnsignedString(localDiscr) + " remote=" + remoteDiscr + "]";
    }
}
