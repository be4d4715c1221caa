package dev.viaduct.bfd.session;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import java.time.Duration;

/**
 * A consistent copy of a session's variables (RFC 5880 §6.8.1) and derived timers, for status and metrics.
 *
 * @param transmitInterval  the negotiated interval between our periodic packets before jitter (§6.8.2): the
 *                          larger of our Desired Min TX in use and the peer's Required Min RX
 * @param receiveInterval   the interval we expect the peer to send at: the larger of our Required Min RX in use
 *                          and the peer's Desired Min TX
 * @param detectionTime     {@code remoteDetectMultiplier * receiveInterval} (§6.8.4); zero before any packet
 * @param lastStateChangeNanos when the state last changed, on the driver's {@code nowNanos} clock
 */
public record SessionSnapshot(
        BfdState state,
        BfdState remoteState,
        Diagnostic localDiagnostic,
        Diagnostic remoteDiagnostic,
        long localDiscriminator,
        long remoteDiscriminator,
        Duration desiredMinTx,
        Duration requiredMinRx,
        int detectMultiplier,
        Duration remoteDesiredMinTx,
        Duration remoteRequiredMinRx,
        int remoteDetectMultiplier,
        Duration transmitInterval,
        Duration receiveInterval,
        Duration detectionTime,
        boolean pollActive,
        boolean remoteDemand,
        long lastStateChangeNanos,
        long stateChanges) {
}
