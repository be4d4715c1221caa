package dev.viaduct.bgp.fsm;

import java.util.Objects;

/**
 * What {@link CollisionResolver} decides on: the moment (a connection was accepted, an OPEN was accepted, the FSMs
 * acted on an event) and the peer's one or two FSMs as they are at that moment.
 *
 * <p>The configured FSM is the peer's session. A second FSM exists only while a connection collision (RFC 4271
 * §6.8) or a possible restart (RFC 4724 §4.2) is undecided. Its connection is always the newer one: a second FSM is
 * created only beside a configured FSM that has a connection (OpenSent, OpenConfirm, Established), and the
 * configured FSM cannot get another connection without first losing its own, which promotes the second FSM.
 */
public sealed interface CollisionInput {
    /** Which of the peer's two FSMs. */
    enum Role {
        CONFIGURED, SECOND
    }

    /** Who set up a connection: RFC 4271 §6.8 keeps the one initiated by the higher BGP Identifier. */
    enum Direction {
        INBOUND, OUTBOUND
    }

    /**
     * One FSM as the resolver needs it.
     *
     * @param running started and not stopped (an Idle FSM that is running waits out its IdleHold)
     * @param hasConnection a TCP connection is attached to it
     * @param direction of its current connection (meaningless without one)
     */
    record FsmView(FsmState state, boolean running, boolean hasConnection, Direction direction) {
        public FsmView {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(direction, "direction");
        }

        public static FsmView of(Fsm fsm, boolean hasConnection) {
            return new FsmView(fsm.state(), fsm.running(), hasConnection, fsm.outbound() ? Direction.OUTBOUND : Direction.INBOUND);
        }

        /** The peer's OPEN arrived on this connection and was accepted (OpenConfirm or Established). */
        public boolean openArrived() {
            return state instanceof FsmState.OpenConfirm || state instanceof FsmState.Established;
        }

        /** Our OPEN is out and the peer's awaited or being confirmed: the states §6.8 compares. */
        public boolean negotiating() {
            return state instanceof FsmState.OpenSent || state instanceof FsmState.OpenConfirm;
        }

        /** Established with graceful restart negotiated by both sides (RFC 4724 §3). */
        public boolean establishedWithGracefulRestart() {
            return state instanceof FsmState.Established e && e.session().gracefulRestart();
        }
    }

    /**
     * A connection from the peer's address was accepted.
     *
     * @param second the second FSM, or null when there is none
     */
    record Accepted(FsmView configured, FsmView second) implements CollisionInput {
        public Accepted {
            Objects.requireNonNull(configured, "configured");
        }
    }

    /**
     * The FSM in role {@code on} accepted the peer's OPEN (it is now in OpenConfirm), which carries the peer's BGP
     * Identifier and AS: §6.8's moment of collision detection.
     *
     * @param second the second FSM, or null when there is none
     * @param localId this speaker's BGP Identifier
     * @param localAs this speaker's AS (RFC 6286 §2.3 breaks a tie of identifiers by AS)
     */
    record OpenReceived(Role on, FsmView configured, FsmView second, int localId, long localAs) implements CollisionInput {
        public OpenReceived {
            Objects.requireNonNull(on, "on");
            Objects.requireNonNull(configured, "configured");
            if (on == Role.SECOND && second == null) {
                throw new IllegalArgumentException("second: an OPEN on the second FSM, but there is no second FSM");
            }
            FsmView receiver = on == Role.CONFIGURED ? configured : second;
            if (!(receiver.state() instanceof FsmState.OpenConfirm)) {
                throw new IllegalArgumentException((on == Role.CONFIGURED ? "configured" : "second")
                        + ": the FSM that accepted an OPEN must be in OPENCONFIRM, is " + FsmState.name(receiver.state()));
            }
        }

        /** The FSM that accepted the OPEN. */
        public FsmView receiver() {
            return on == Role.CONFIGURED ? configured : second;
        }

        /** The other FSM, or null. */
        public FsmView other() {
            return on == Role.CONFIGURED ? second : configured;
        }
    }

    /**
     * The FSMs acted on an event (a message, a timer, a lost connection, a dump): whether the second FSM must go or
     * take over.
     *
     * @param second the second FSM, or null when there is none
     */
    record Settled(FsmView configured, FsmView second) implements CollisionInput {
        public Settled {
            Objects.requireNonNull(configured, "configured");
        }
    }
}
