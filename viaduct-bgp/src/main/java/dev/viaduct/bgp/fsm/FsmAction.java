package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.wire.BgpMessage;

/** What the FSM asks its driver to do; the driver performs them in order. */
public sealed interface FsmAction {
    /** Initiate an outbound TCP connection. */
    record Connect() implements FsmAction {
    }

    /** Send a message on the current connection. */
    record Send(BgpMessage message) implements FsmAction {
    }

    /** Close the current connection (after sending what was queued). */
    record Disconnect() implements FsmAction {
    }

    /** The session reached Established. */
    record SessionUp(Negotiated session) implements FsmAction {
    }

    /** The session left Established (routes must go, or be retained under graceful restart). */
    record SessionDown(Negotiated session, DownReason reason) implements FsmAction {
    }

    /** A state change, for logs, metrics and peer status. */
    record Transition(FsmState from, FsmState to, String cause) implements FsmAction {
    }
}
