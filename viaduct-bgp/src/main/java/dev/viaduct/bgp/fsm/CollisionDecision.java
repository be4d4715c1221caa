package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.wire.BgpMessage.Notification;
import dev.viaduct.bgp.wire.ErrorCodes;

/**
 * What {@link CollisionResolver} decided; the peer's driver carries it out. Each moment of {@link CollisionInput}
 * has its own set of answers ({@link ForAccepted}, {@link ForOpen}, {@link ForSettled}), so the driver's switch
 * over one is exhaustive.
 */
public sealed interface CollisionDecision {
    /** RFC 4486: NOTIFICATION Cease, subcode 7 "Connection Collision Resolution", sent by the FSM that loses. */
    Notification CEASE_COLLISION = new Notification(ErrorCodes.CEASE, ErrorCodes.CEASE_CONNECTION_COLLISION);

    /** Answers to {@link CollisionInput.Accepted}. */
    sealed interface ForAccepted extends CollisionDecision {
    }

    /** Answers to {@link CollisionInput.OpenReceived}. */
    sealed interface ForOpen extends CollisionDecision {
    }

    /** Answers to {@link CollisionInput.Settled}. */
    sealed interface ForSettled extends CollisionDecision {
    }

    /** Nothing to close or hand over: the configured FSM is and stays the session. */
    record KeepConfigured() implements ForOpen, ForSettled {
    }

    /** The accepted connection goes to the configured FSM, which has none (Idle waiting out IdleHold, Connect, Active). */
    record HandToConfigured() implements ForAccepted {
    }

    /** A second FSM, built from the configured one's settings, runs the accepted connection until an OPEN decides. */
    record RunAsSecond(String why) implements ForAccepted {
    }

    /**
     * The newer connection goes. Just accepted, it is closed unanswered ({@code notification} null); on the second
     * FSM, that FSM sends {@code notification} (Event 23 OpenCollisionDump) and ends.
     */
    record DumpNew(Notification notification, String why) implements ForAccepted, ForOpen {
    }

    /**
     * The configured FSM's connection goes: it sends {@code notification} (Event 23 OpenCollisionDump) and ends, and
     * the second FSM then takes over ({@link PromoteSecond} at the next {@link CollisionInput.Settled}).
     */
    record DumpOld(Notification notification, String why) implements ForOpen {
    }

    /**
     * RFC 4724 §4.2: the peer restarted. The configured session ends as if its connection had failed (no NOTIFICATION,
     * so a graceful-restart receiver keeps the peer's routes as stale), and the second FSM then takes over.
     */
    record TreatAsRestart(String why) implements ForOpen {
    }

    /**
     * The configured FSM is left without a connection, the second one has one: the second is the peer's session now.
     *
     * @param session the second FSM's negotiated session when it is Established already: its SessionUp, held back
     *     while it was the second FSM, is due now; null when it is still negotiating
     */
    record PromoteSecond(Negotiated session) implements ForSettled {
    }

    /** The second FSM is Idle or lost its connection: it only ever runs its one connection, so it goes too. */
    record ForgetSecond() implements ForSettled {
    }
}
