package dev.viaduct.bgp.fsm;

import static dev.viaduct.bgp.wire.ErrorCodes.*;

import dev.viaduct.bgp.fsm.FsmAction.Connect;
import dev.viaduct.bgp.fsm.FsmAction.Disconnect;
import dev.viaduct.bgp.fsm.FsmAction.Send;
import dev.viaduct.bgp.fsm.FsmAction.SessionDown;
import dev.viaduct.bgp.fsm.FsmAction.SessionUp;
import dev.viaduct.bgp.fsm.FsmAction.Transition;
import dev.viaduct.bgp.fsm.FsmState.Active;
import dev.viaduct.bgp.fsm.FsmState.Established;
import dev.viaduct.bgp.fsm.FsmState.Idle;
import dev.viaduct.bgp.fsm.FsmState.OpenConfirm;
import dev.viaduct.bgp.fsm.FsmState.OpenSent;
import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.BgpMessage.Keepalive;
import dev.viaduct.bgp.wire.BgpMessage.Notification;
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.BgpMessage.RouteRefresh;
import dev.viaduct.bgp.wire.BgpMessage.Update;
import java.util.ArrayList;
import java.util.List;

/**
 * The BGP finite state machine of RFC 4271 §8 for one peer and one connection at a time. Pure: it takes
 * events with the current time ({@code nowNanos}) and returns actions (connect, send, disconnect, session up
 * or down); the timers (ConnectRetry, Hold, Keepalive, and an IdleHold before automatic restarts) are
 * deadlines it keeps and fires from {@link #onTimers}. It never touches a socket or a clock, so every path is
 * testable with plain calls.
 *
 * <p>Concurrency: not thread-safe; its owner (the peer's lock) serialises every call.
 *
 * <p>Simplifications, all permitted by §8: DelayOpen and the optional "AllowAutomaticStop" damping are not
 * implemented; after any error the FSM returns to Idle and, unless stopped, restarts itself after the
 * IdleHold time. Connection collisions (§6.8) involve two connections, so two FSMs: {@link CollisionResolver}
 * decides between them and the driver sends {@link FsmEvent.CollisionDump} to the loser.
 */
public final class Fsm {
    private static final long NONE = Long.MAX_VALUE;
    private static final long SECOND = 1_000_000_000L;

    private FsmConfig cfg;
    private FsmState state = FsmState.IDLE;
    private boolean running;
    private boolean outbound;
    private int connectRetryCounter;
    private long connectRetryAt = NONE;
    private long holdAt = NONE;
    private long keepaliveAt = NONE;
    private long idleRestartAt = NONE;
    private long transitions;
    private long establishedAtNanos;
    private Negotiated session;
    private DownReason lastDown;

    public Fsm(FsmConfig cfg) {
        this.cfg = cfg;
    }

    public FsmState state() {
        return state;
    }

    public FsmConfig config() {
        return cfg;
    }

    /** Replaces the configuration; the new OPEN is used from the next connection on (e.g. to clear the R bit). */
    public void reconfigure(FsmConfig next) {
        this.cfg = next;
    }

    /** Whether the FSM was started and not stopped (it restarts itself after errors while running). */
    public boolean running() {
        return running;
    }

    /** Whether the current connection was initiated by this side (needed for collision resolution). */
    public boolean outbound() {
        return outbound;
    }

    public long transitions() {
        return transitions;
    }

    public int connectRetryCounter() {
        return connectRetryCounter;
    }

    /** When the session last reached Established (nanos, same clock as the events), or 0. */
    public long establishedAtNanos() {
        return state instanceof Established ? establishedAtNanos : 0;
    }

    public DownReason lastDown() {
        return lastDown;
    }

    /** The negotiated session in OpenConfirm/Established, else null. */
    public Negotiated session() {
        return switch (state) {
            case OpenConfirm oc -> oc.session();
            case Established e -> e.session();
            default -> null;
        };
    }

    /** The earliest armed timer, or {@link Long#MAX_VALUE} when none is. */
    public long nextDeadline() {
        return Math.min(Math.min(connectRetryAt, holdAt), Math.min(keepaliveAt, idleRestartAt));
    }

    /** Fires every timer whose deadline is at or before {@code now}. */
    public List<FsmAction> onTimers(long now) {
        List<FsmAction> out = new ArrayList<>();
        if (idleRestartAt <= now) {
            idleRestartAt = NONE;
            if (running && state instanceof Idle) {
                start(now, out, "automatic restart after IdleHold");
            }
        }
        if (holdAt <= now) {
            holdAt = NONE;
            // Event 10 HoldTimer_Expires: NOTIFICATION Hold Timer Expired, in every state that has one armed
            if (state instanceof OpenSent || state instanceof OpenConfirm || state instanceof Established) {
                Notification n = new Notification(HOLD_TIMER_EXPIRED, 0);
                out.add(new Send(n));
                fail(now, out, new DownReason(DownReason.Kind.NOTIFICATION_SENT, "hold timer expired", n));
            }
        }
        if (keepaliveAt <= now) {
            keepaliveAt = NONE;
            if (state instanceof OpenConfirm || state instanceof Established) {
                out.add(new Send(Keepalive.INSTANCE));
                armKeepalive(now);
            }
        }
        if (connectRetryAt <= now) {
            connectRetryAt = NONE;
            // Event 9 ConnectRetryTimer_Expires
            switch (state) {
                case FsmState.Connect c -> {
                    out.add(new Disconnect());
                    connectRetryAt = now + cfg.connectRetrySeconds() * SECOND;
                    out.add(new Connect());
                }
                case Active a -> {
                    connectRetryAt = now + cfg.connectRetrySeconds() * SECOND;
                    if (!cfg.passive()) {
                        outbound = true;
                        transition(FsmState.CONNECT, "connect retry timer expired", out);
                        out.add(new Connect());
                    }
                }
                default -> {
                }
            }
        }
        return out;
    }

    /** Feeds one event; returns the actions to perform, in order. */
    public List<FsmAction> handle(FsmEvent event, long now) {
        List<FsmAction> out = new ArrayList<>();
        switch (event) {
            case FsmEvent.Start s -> {
                running = true;
                if (state instanceof Idle) {
                    start(now, out, "start");
                }
            }
            case FsmEvent.Stop s -> {
                running = false;
                idleRestartAt = NONE;
                if (!(state instanceof Idle)) {
                    Notification n = new Notification(CEASE, s.ceaseSubcode());
                    boolean connected = state instanceof OpenSent || state instanceof OpenConfirm || state instanceof Established;
                    if (connected) {
                        out.add(new Send(n));
                    }
                    toIdle(now, out, new DownReason(DownReason.Kind.ADMIN_DOWN, s.reason(), connected ? n : null), false);
                }
            }
            case FsmEvent.TcpConnected c -> onConnected(c, now, out);
            case FsmEvent.InboundConnection c -> {
                if (state instanceof Idle || state instanceof FsmState.Connect || state instanceof Active) {
                    running = true;
                    idleRestartAt = NONE;
                    if (state instanceof Idle) {
                        transition(FsmState.ACTIVE, "inbound connection", out);
                    }
                    sendOpen(false, now, out);
                } else {
                    out.add(new Disconnect());
                }
            }
            case FsmEvent.TcpFailed f -> onTcpFailed(f, now, out);
            case FsmEvent.Received r -> onMessage(r.message(), now, out);
            case FsmEvent.DecodeFailed d -> {
                if (state instanceof Idle || state instanceof FsmState.Connect || state instanceof Active) {
                    break;
                }
                BgpDecodeException e = d.error();
                Notification n = e.notification();
                out.add(new Send(n));
                fail(now, out, new DownReason(DownReason.Kind.NOTIFICATION_SENT, e.getMessage(), n));
            }
            case FsmEvent.CollisionDump c -> {
                if (!(state instanceof Idle)) {
                    Notification n = c.notification();
                    out.add(new Send(n));
                    // the losing connection goes; the FSM is not restarted (the winning one carries on)
                    running = false;
                    toIdle(now, out, new DownReason(DownReason.Kind.NOTIFICATION_SENT, "connection collision resolution (RFC 4271 §6.8)", n), false);
                }
            }
            case FsmEvent.Fatal f -> {
                if (state instanceof OpenSent || state instanceof OpenConfirm || state instanceof Established) {
                    Notification n = new Notification(f.code(), f.subcode(), f.data());
                    out.add(new Send(n));
                    fail(now, out, new DownReason(DownReason.Kind.NOTIFICATION_SENT, f.reason(), n));
                }
            }
        }
        return out;
    }

    private void start(long now, List<FsmAction> out, String cause) {
        connectRetryCounter = 0;
        connectRetryAt = now + cfg.connectRetrySeconds() * SECOND;
        if (cfg.passive()) {
            outbound = false;
            transition(FsmState.ACTIVE, cause + " (passive)", out);
        } else {
            outbound = true;
            transition(FsmState.CONNECT, cause, out);
            out.add(new Connect());
        }
    }

    private void onConnected(FsmEvent.TcpConnected c, long now, List<FsmAction> out) {
        switch (state) {
            case FsmState.Connect x -> sendOpen(c.outbound(), now, out);
            case Active x -> sendOpen(c.outbound(), now, out);
            default -> out.add(new Disconnect()); // not expecting a connection: refuse it
        }
    }

    private void sendOpen(boolean isOutbound, long now, List<FsmAction> out) {
        outbound = isOutbound;
        connectRetryAt = NONE;
        out.add(new Send(cfg.localOpen()));
        holdAt = now + FsmConfig.OPEN_SENT_HOLD_SECONDS * SECOND;
        transition(FsmState.OPEN_SENT, (isOutbound ? "outbound" : "inbound") + " connection up, OPEN sent", out);
    }

    private void onTcpFailed(FsmEvent.TcpFailed f, long now, List<FsmAction> out) {
        switch (state) {
            case FsmState.Connect x -> {
                // §8.2.2 Connect, Event 18: restart ConnectRetryTimer, go to Active
                connectRetryAt = now + cfg.connectRetrySeconds() * SECOND;
                connectRetryCounter++;
                outbound = false;
                transition(FsmState.ACTIVE, "connect failed: " + f.reason(), out);
            }
            case Active x -> {
                connectRetryCounter++;
            }
            case OpenSent x -> {
                // §8.2.2 OpenSent, Event 18: close, restart ConnectRetryTimer, Active
                holdAt = NONE;
                connectRetryAt = now + cfg.connectRetrySeconds() * SECOND;
                connectRetryCounter++;
                out.add(new Disconnect());
                lastDown = new DownReason(DownReason.Kind.CONNECTION_LOST, f.reason(), null);
                outbound = false;
                transition(FsmState.ACTIVE, "connection lost in OpenSent: " + f.reason(), out);
            }
            case OpenConfirm x -> fail(now, out, new DownReason(DownReason.Kind.CONNECTION_LOST, f.reason(), null));
            case Established x -> fail(now, out, new DownReason(DownReason.Kind.CONNECTION_LOST, f.reason(), null));
            case Idle x -> {
            }
        }
    }

    private void onMessage(BgpMessage m, long now, List<FsmAction> out) {
        if (m instanceof Notification n) {
            if (state instanceof OpenSent || state instanceof OpenConfirm || state instanceof Established) {
                fail(now, out, new DownReason(DownReason.Kind.NOTIFICATION_RECEIVED, "peer sent " + n, n));
            }
            return;
        }
        switch (state) {
            case OpenSent x -> {
                if (m instanceof Open open) {
                    Negotiated neg;
                    try {
                        neg = OpenNegotiation.negotiate(cfg, open);
                    } catch (BgpDecodeException e) {
                        Notification n = e.notification();
                        out.add(new Send(n));
                        fail(now, out, new DownReason(DownReason.Kind.NOTIFICATION_SENT, e.getMessage(), n));
                        return;
                    }
                    out.add(new Send(Keepalive.INSTANCE));
                    holdAt = neg.holdTime() == 0 ? NONE : now + neg.holdTime() * SECOND;
                    armKeepalive(now, neg);
                    transition(new OpenConfirm(neg), "OPEN accepted", out);
                } else {
                    fsmError(FSM_UNEXPECTED_IN_OPENSENT, m, now, out);
                }
            }
            case OpenConfirm oc -> {
                switch (m) {
                    case Keepalive k -> {
                        restartHold(now, oc.session());
                        establishedAtNanos = now;
                        transition(new Established(oc.session()), "KEEPALIVE received", out);
                        out.add(new SessionUp(oc.session()));
                    }
                    case Open o -> fsmError(FSM_UNEXPECTED_IN_OPENCONFIRM, m, now, out);
                    default -> fsmError(FSM_UNEXPECTED_IN_OPENCONFIRM, m, now, out);
                }
            }
            case Established e -> {
                switch (m) {
                    case Keepalive k -> restartHold(now, e.session());
                    case Update u -> restartHold(now, e.session());
                    case RouteRefresh r -> restartHold(now, e.session());
                    default -> fsmError(FSM_UNEXPECTED_IN_ESTABLISHED, m, now, out);
                }
            }
            default -> {
                // Idle/Connect/Active have no connection to receive on; late messages are dropped
            }
        }
    }

    private void fsmError(int subcode, BgpMessage m, long now, List<FsmAction> out) {
        // RFC 6608: the subcode names the state; the data carries the unexpected message type
        Notification n = new Notification(FSM, subcode, new byte[] {(byte) m.type()});
        out.add(new Send(n));
        fail(now, out, new DownReason(DownReason.Kind.NOTIFICATION_SENT,
                "unexpected message type " + m.type() + " in " + FsmState.name(state), n));
    }

    private void restartHold(long now, Negotiated n) {
        holdAt = n.holdTime() == 0 ? NONE : now + n.holdTime() * SECOND;
    }

    private void armKeepalive(long now) {
        Negotiated n = session();
        if (n != null) {
            armKeepalive(now, n);
        }
    }

    private void armKeepalive(long now, Negotiated n) {
        keepaliveAt = n.keepaliveTime() == 0 ? NONE : now + n.keepaliveTime() * SECOND;
    }

    /** An error ends the connection; the FSM goes to Idle and restarts after IdleHold if still running. */
    private void fail(long now, List<FsmAction> out, DownReason reason) {
        connectRetryCounter++;
        toIdle(now, out, reason, true);
    }

    private void toIdle(long now, List<FsmAction> out, DownReason reason, boolean restart) {
        Negotiated up = state instanceof Established e ? e.session() : null;
        out.add(new Disconnect());
        connectRetryAt = NONE;
        holdAt = NONE;
        keepaliveAt = NONE;
        lastDown = reason;
        transition(FsmState.IDLE, reason.toString(), out);
        if (up != null) {
            out.add(new SessionDown(up, reason));
        }
        idleRestartAt = restart && running ? now + Math.max(0, cfg.idleHoldSeconds()) * SECOND : NONE;
    }

    /** The one place state changes: emitted as an action so the driver logs and counts it. */
    private void transition(FsmState to, String cause, List<FsmAction> out) {
        FsmState from = state;
        state = to;
        transitions++;
        out.add(new Transition(from, to, cause));
    }
}
