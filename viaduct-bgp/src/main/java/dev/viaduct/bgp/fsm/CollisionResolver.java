package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.fsm.CollisionDecision.DumpNew;
import dev.viaduct.bgp.fsm.CollisionDecision.DumpOld;
import dev.viaduct.bgp.fsm.CollisionDecision.ForAccepted;
import dev.viaduct.bgp.fsm.CollisionDecision.ForOpen;
import dev.viaduct.bgp.fsm.CollisionDecision.ForSettled;
import dev.viaduct.bgp.fsm.CollisionDecision.ForgetSecond;
import dev.viaduct.bgp.fsm.CollisionDecision.HandToConfigured;
import dev.viaduct.bgp.fsm.CollisionDecision.KeepConfigured;
import dev.viaduct.bgp.fsm.CollisionDecision.PromoteSecond;
import dev.viaduct.bgp.fsm.CollisionDecision.RunAsSecond;
import dev.viaduct.bgp.fsm.CollisionDecision.TreatAsRestart;
import dev.viaduct.bgp.fsm.CollisionInput.Accepted;
import dev.viaduct.bgp.fsm.CollisionInput.Direction;
import dev.viaduct.bgp.fsm.CollisionInput.FsmView;
import dev.viaduct.bgp.fsm.CollisionInput.OpenReceived;
import dev.viaduct.bgp.fsm.CollisionInput.Role;
import dev.viaduct.bgp.fsm.CollisionInput.Settled;

/**
 * Connection collisions (RFC 4271 §6.8) and restarts next to an Established session (RFC 4724 §4.2), decided as a
 * pure function of the peer's one or two FSMs. A peer has its configured FSM and, while something is undecided, a
 * second FSM on a second connection; the driver asks at three moments and carries out the answer. The rows are
 * checked top to bottom; the first that matches decides.
 *
 * <p>A connection was accepted ({@link Accepted}):
 * <ol>
 * <li>configured FSM Idle and stopped: {@link DumpNew} unanswered (nobody runs the peer).
 * <li>configured FSM Idle (waiting out IdleHold), Connect or Active: {@link HandToConfigured} (§8.2.2: in Connect
 *     the inbound connection overtakes our connect in flight).
 * <li>a second FSM exists: {@link DumpNew} unanswered (at most two connections per peer).
 * <li>configured FSM Established with graceful restart: {@link RunAsSecond}. RFC 4724 §4.2 reads a new connection
 *     as a restart, but only its OPEN says so: a connect the peer gave up on and we accepted late must not end a
 *     working session (a 500-node mesh flapped sessions that way).
 * <li>configured FSM Established without graceful restart: {@link DumpNew} unanswered (§6.8).
 * <li>configured FSM OpenSent or OpenConfirm: {@link RunAsSecond} until an OPEN lets §6.8 compare.
 * </ol>
 *
 * <p>An OPEN was accepted on one FSM ({@link OpenReceived}), the "other" being the other FSM:
 * <ol>
 * <li>no other FSM, or it has no connection: {@link KeepConfigured} (nothing to compare).
 * <li>the OPEN is on the second FSM and the configured one is Established with graceful restart:
 *     {@link TreatAsRestart} (RFC 4724 §4.2).
 * <li>the other is Established: the connection that brought the OPEN goes, {@link DumpNew} or {@link DumpOld}
 *     (§6.8: the Established connection stays).
 * <li>the other is not OpenSent or OpenConfirm: {@link KeepConfigured}.
 * <li>both connections inbound: the other goes if it is still in OpenSent, else the one that brought this OPEN
 *     (§6.8's rule presumes one of the connections is ours; a connection without an OPEN is likelier a connect the
 *     peer gave up on, one that brought an OPEN is one it uses, and of two such the earlier stays).
 * <li>otherwise the connection initiated by the higher BGP Identifier stays (§6.8), compared as unsigned; with equal
 *     identifiers (possible between ASes) the one initiated by the higher AS stays (RFC 6286 §2.3).
 * </ol>
 * A loser that is the configured FSM is {@link DumpOld}, else {@link DumpNew}; either sends {@link
 * CollisionDecision#CEASE_COLLISION}.
 *
 * <p>The FSMs acted on an event ({@link Settled}):
 * <ol>
 * <li>no second FSM: {@link KeepConfigured}.
 * <li>the second FSM is Idle or has no connection: {@link ForgetSecond}. It only runs its one connection; left
 *     behind in Active it made every later connection look like a third one and refused it, a peer's real restart
 *     included.
 * <li>the configured FSM has no connection and is not negotiating: {@link PromoteSecond}, with the second's session
 *     when it is Established already. Left alone, the second FSM could reach Established (or be there) with its
 *     SessionUp ignored: up on both sides, no routes, for good (seen in a 500-node mesh, twice, in two orders).
 * <li>otherwise {@link KeepConfigured}.
 * </ol>
 *
 * <p>Concurrency: stateless; callable from any thread.
 */
public final class CollisionResolver {
    private static final KeepConfigured KEEP = new KeepConfigured();
    private static final HandToConfigured HAND_TO_CONFIGURED = new HandToConfigured();
    private static final ForgetSecond FORGET_SECOND = new ForgetSecond();

    private CollisionResolver() {
    }

    public static CollisionDecision decide(CollisionInput in) {
        return switch (in) {
            case Accepted a -> decide(a);
            case OpenReceived o -> decide(o);
            case Settled s -> decide(s);
        };
    }

    public static ForAccepted decide(Accepted in) {
        FsmState st = in.configured().state();
        if (st instanceof FsmState.Idle && !in.configured().running()) {
            return new DumpNew(null, "the peer is stopped");
        }
        if (st instanceof FsmState.Idle || st instanceof FsmState.Connect || st instanceof FsmState.Active) {
            return HAND_TO_CONFIGURED;
        }
        if (in.second() != null) {
            return new DumpNew(null, "a second connection is already being resolved");
        }
        if (st instanceof FsmState.Established) {
            return in.configured().establishedWithGracefulRestart()
                    ? new RunAsSecond("next to an Established graceful-restart session: a restart only if an OPEN comes (RFC 4724 §4.2)")
                    : new DumpNew(null, "collision with an Established connection (RFC 4271 §6.8)");
        }
        return new RunAsSecond("collision in " + FsmState.name(st) + ": both run until an OPEN decides (RFC 4271 §6.8)");
    }

    public static ForOpen decide(OpenReceived in) {
        FsmView receiver = in.receiver();
        FsmView other = in.other();
        Role otherRole = in.on() == Role.CONFIGURED ? Role.SECOND : Role.CONFIGURED;
        if (other == null || !other.hasConnection()) {
            return KEEP;
        }
        if (in.on() == Role.SECOND && other.establishedWithGracefulRestart()) {
            return new TreatAsRestart("peer restarted (new OPEN while established)");
        }
        if (other.state() instanceof FsmState.Established) {
            return dump(in.on(), "the Established connection stays (RFC 4271 §6.8)");
        }
        if (!other.negotiating()) {
            return KEEP;
        }
        if (receiver.direction() == Direction.INBOUND && other.direction() == Direction.INBOUND) {
            return !other.openArrived()
                    ? dump(otherRole, "both connections inbound: the one that brought an OPEN stays")
                    : dump(in.on(), "both connections inbound and both brought an OPEN: the earlier stays");
        }
        Negotiated remote = ((FsmState.OpenConfirm) receiver.state()).session();
        int cmp = Integer.compareUnsigned(in.localId(), remote.peerId());
        String rule = "BGP Identifier " + Integer.toUnsignedString(in.localId()) + " against the peer's "
                + Integer.toUnsignedString(remote.peerId()) + " (RFC 4271 §6.8)";
        if (cmp == 0) {
            cmp = Long.compare(in.localAs(), remote.peerAs());
            rule = "equal BGP Identifiers, AS " + in.localAs() + " against the peer's " + remote.peerAs() + " (RFC 6286 §2.3)";
        }
        Direction keep = cmp > 0 ? Direction.OUTBOUND : Direction.INBOUND;
        Role loser = receiver.direction() == keep ? otherRole : in.on();
        return dump(loser, rule + ": the " + keep.name().toLowerCase(java.util.Locale.ROOT) + " connection stays");
    }

    public static ForSettled decide(Settled in) {
        FsmView second = in.second();
        if (second == null) {
            return KEEP;
        }
        if (second.state() instanceof FsmState.Idle || !second.hasConnection()) {
            return FORGET_SECOND;
        }
        FsmView configured = in.configured();
        if (!configured.hasConnection() && !configured.negotiating() && !(configured.state() instanceof FsmState.Established)) {
            return new PromoteSecond(second.state() instanceof FsmState.Established e ? e.session() : null);
        }
        return KEEP;
    }

    private static ForOpen dump(Role loser, String why) {
        return loser == Role.CONFIGURED ? new DumpOld(CollisionDecision.CEASE_COLLISION, why)
                : new DumpNew(CollisionDecision.CEASE_COLLISION, why);
    }
}
