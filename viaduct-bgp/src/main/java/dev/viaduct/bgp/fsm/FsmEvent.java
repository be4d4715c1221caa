package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.wire.BgpDecodeException;
import dev.viaduct.bgp.wire.BgpMessage;

/**
 * Inputs of the FSM (RFC 4271 §8.1). Timer events are not here: the FSM keeps its own deadlines and fires
 * them from {@link Fsm#onTimers(long)}.
 */
public sealed interface FsmEvent {
    /** Events 1/3 (ManualStart / AutomaticStart; passive or not is configuration). */
    record Start() implements FsmEvent {
    }

    /** Event 2 ManualStop: NOTIFICATION Cease with {@code subcode} if a connection is up. */
    record Stop(int ceaseSubcode, String reason) implements FsmEvent {
    }

    /** Events 16/17: a TCP connection is up (outbound = we initiated it). */
    record TcpConnected(boolean outbound) implements FsmEvent {
    }

    /**
     * An inbound connection the peer's owner decided to hand to this FSM (Events 14/17 in Active, or a
     * connection accepted while Idle waiting out IdleHold, or the second FSM of a collision, §8).
     */
    record InboundConnection() implements FsmEvent {
    }

    /** Event 18 TcpConnectionFails: the connection attempt failed or the connection closed. */
    record TcpFailed(String reason) implements FsmEvent {
    }

    /** Events 19/25/26/27/28: a message that decoded. */
    record Received(BgpMessage message) implements FsmEvent {
    }

    /** Events 21/22/28 (BGPHeaderErr, BGPOpenMsgErr, UpdateMsgErr): a message that must end the session. */
    record DecodeFailed(BgpDecodeException error) implements FsmEvent {
    }

    /**
     * Event 23 OpenCollisionDump: this connection lost the collision (RFC 4271 §6.8); {@code notification} is the
     * Cease to send, as {@link CollisionResolver} chose it (RFC 4486 subcode 7).
     */
    record CollisionDump(BgpMessage.Notification notification) implements FsmEvent {
    }

    /** A local error that must end the session with a NOTIFICATION (e.g. RFC 7606 session reset in the RIB). */
    record Fatal(int code, int subcode, byte[] data, String reason) implements FsmEvent {
    }
}
