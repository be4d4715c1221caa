package dev.viaduct.bgp.fsm;

import dev.viaduct.bgp.wire.BgpMessage.Open;

/**
 * The per-peer settings the FSM needs. Times in seconds as configured; the FSM works in nanoseconds.
 *
 * @param localOpen the OPEN this side sends (capabilities built by the speaker)
 * @param peerAs the AS the peer must announce (RFC 4271 §6.2 Bad Peer AS otherwise)
 * @param passive never initiate connections, only accept (RFC 4271 §8.1.1 PassiveTcpEstablishment)
 * @param connectRetrySeconds ConnectRetryTimer (RFC 4271 §10 suggests 120 s)
 * @param idleHoldSeconds how long to stay Idle after an error before the automatic restart (RFC 4271
 *     §8.1.1 IdleHoldTimer, damping peer oscillations)
 * @param minHoldTime the smallest non-zero hold time this side accepts (RFC 4271 §6.2 Unacceptable Hold Time)
 */
public record FsmConfig(Open localOpen, long localAs, long peerAs, boolean passive, int connectRetrySeconds,
        int idleHoldSeconds, int minHoldTime) {
    /** RFC 4271 §8.2.2: in OpenSent the HoldTimer is set to a large value, four minutes suggested. */
    public static final int OPEN_SENT_HOLD_SECONDS = 240;

    public int routerId() {
        return localOpen.bgpId();
    }

    public int holdTime() {
        return localOpen.holdTime();
    }
}
