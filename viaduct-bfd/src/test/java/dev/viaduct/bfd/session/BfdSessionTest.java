package dev.viaduct.bfd.session;

import static dev.viaduct.bfd.session.Simulation.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bfd.packet.AuthKey;
import dev.viaduct.bfd.packet.AuthType;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.ControlPacket;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The session state machine against RFC 5880 §6.2 and §6.8, on a simulated clock with two real sessions. */
class BfdSessionTest {

    @Test
    void threeWayHandshakeComesUpThenPollsToTheFastTimers() {
        Simulation sim = new Simulation(1);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        assertThat(sim.a.changes).extracting(c -> c.change().to()).containsExactly(BfdState.INIT, BfdState.UP);
        long upAt = sim.a.changes.get(1).at();
        // both start at once; each state change is sent immediately, so Up takes two one-way trips, not the
        // one-second periodic rate of a session that is not Up
        assertThat(upAt).isEqualTo(2 * sim.delayNanos);
        sim.runFor(1_000 * MS);
        for (Simulation.Side s : List.of(sim.a, sim.b)) {
            SessionSnapshot snap = s.snap();
            assertThat(snap.pollActive()).as(s.name + " poll finished").isFalse();
            assertThat(snap.transmitInterval()).isEqualTo(Duration.ofMillis(100));
            assertThat(snap.detectionTime()).isEqualTo(Duration.ofMillis(300));
            assertThat(snap.remoteDiscriminator()).isEqualTo(s.peer.fsm.localDiscriminator());
            assertThat(snap.localDiagnostic()).isEqualTo(Diagnostic.NONE);
        }
        // the Poll that switched to the fast rate was answered with a Final
        assertThat(sim.a.sent).anyMatch(s -> s.packet().poll());
        assertThat(sim.b.sent).anyMatch(s -> s.packet().fin());
    }

    @Test
    void notUpMeansAtLeastOneSecondDesiredMinTx() {
        Simulation sim = new Simulation(2);
        sim.b.drop = p -> true; // A hears nothing: it stays Down
        sim.start();
        sim.runFor(5_000 * MS);
        assertThat(sim.a.fsm.state()).isEqualTo(BfdState.DOWN);
        List<Simulation.Sent> sent = sim.a.sent;
        assertThat(sent).hasSizeBetween(5, 8);
        assertThat(sent).allMatch(s -> s.packet().desiredMinTxMicros() == 1_000_000 && s.packet().requiredMinRxMicros() == 100_000);
        for (int i = 1; i < sent.size(); i++) {
            assertThat(sent.get(i).at() - sent.get(i - 1).at()).isBetween(750 * MS, 1_000 * MS);
        }
    }

    @Test
    void periodicPacketsAreJitteredBetween75And100Percent() {
        for (int seed = 0; seed < 20; seed++) {
            Simulation sim = new Simulation(seed);
            sim.start();
            sim.runUntilUp(5_000 * MS);
            sim.runFor(500 * MS);
            long from = sim.now;
            sim.runFor(5_000 * MS);
            List<Simulation.Sent> periodic = sim.a.sentBetween(from, sim.now).stream().filter(s -> !s.packet().fin()).toList();
            assertThat(periodic.size()).isBetween(50, 67);
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 1; i < periodic.size(); i++) {
                long gap = periodic.get(i).at() - periodic.get(i - 1).at();
                min = Math.min(min, gap);
                max = Math.max(max, gap);
            }
            assertThat(min).as("seed " + seed).isGreaterThanOrEqualTo(75 * MS);
            assertThat(max).as("seed " + seed).isLessThan(100 * MS);
        }
    }

    @Test
    void detectMultOneJittersBetween75And90Percent() {
        Timers one = Timers.of(Duration.ofMillis(100), 1);
        Simulation sim = new Simulation(one, one, Optional.empty(), Optional.empty(), 3);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(500 * MS);
        long from = sim.now;
        sim.runFor(3_000 * MS);
        List<Simulation.Sent> periodic = sim.a.sentBetween(from, sim.now).stream().filter(s -> !s.packet().fin()).toList();
        for (int i = 1; i < periodic.size(); i++) {
            assertThat(periodic.get(i).at() - periodic.get(i - 1).at()).isBetween(75 * MS, 90 * MS);
        }
        assertThat(sim.a.fsm.state()).isEqualTo(BfdState.UP);
    }

    @Test
    void silenceForTheDetectionTimeTakesTheSessionDown() {
        Simulation sim = new Simulation(4);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(1_000 * MS);
        long cut = sim.now;
        sim.b.drop = p -> true; // B freezes (its packets stop arriving)
        sim.runFor(1_000 * MS);
        Simulation.Change down = sim.a.changes.getLast();
        assertThat(down.change()).isEqualTo(new SessionAction.StateChanged(BfdState.UP, BfdState.DOWN,
                Diagnostic.CONTROL_DETECTION_TIME_EXPIRED, false));
        long lastHeard = sim.b.sent.stream().filter(s -> s.at() < cut).mapToLong(Simulation.Sent::at).max().orElseThrow() + sim.delayNanos;
        // exactly one detection time (3 x 100 ms) after the last packet arrived
        assertThat(down.at() - lastHeard).isEqualTo(300 * MS);
        // §6.8.1: the remote discriminator is forgotten; A tells B with a Down packet right away
        Simulation.Sent after = sim.a.sentBetween(down.at(), down.at() + 1).getFirst();
        assertThat(after.packet().state()).isEqualTo(BfdState.DOWN);
        assertThat(after.packet().yourDiscriminator()).isZero();
        assertThat(after.packet().desiredMinTxMicros()).isEqualTo(1_000_000);
        assertThat(after.packet().diag()).isEqualTo(Diagnostic.CONTROL_DETECTION_TIME_EXPIRED);
        // B still hears A: A's Down takes B down with "neighbor signaled session down", a real failure
        assertThat(sim.b.changes.getLast().change()).isEqualTo(new SessionAction.StateChanged(BfdState.UP, BfdState.DOWN,
                Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, false));
    }

    @Test
    void theSessionComesBackAfterThePathHeals() {
        Simulation sim = new Simulation(5);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.b.drop = p -> true;
        sim.runFor(2_000 * MS);
        assertThat(sim.a.fsm.state()).isEqualTo(BfdState.DOWN);
        sim.b.drop = p -> false;
        sim.runUntilUp(5_000 * MS);
    }

    @Test
    void adminDownIsSignalledAndNotAFailure() {
        Simulation sim = new Simulation(6);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(1_000 * MS);
        long adminAt = sim.now;
        sim.a.handle(new SessionEvent.AdminDown(Diagnostic.ADMINISTRATIVELY_DOWN));
        assertThat(sim.a.changes.getLast().change()).isEqualTo(new SessionAction.StateChanged(BfdState.UP, BfdState.ADMIN_DOWN,
                Diagnostic.ADMINISTRATIVELY_DOWN, false));
        Simulation.Sent adminPacket = sim.a.sent.getLast();
        assertThat(adminPacket.at()).isEqualTo(sim.now); // sent at once
        assertThat(adminPacket.packet().state()).isEqualTo(BfdState.ADMIN_DOWN);
        assertThat(adminPacket.packet().diag()).isEqualTo(Diagnostic.ADMINISTRATIVELY_DOWN);
        sim.runFor(3_000 * MS);
        // B goes Down because the neighbour signalled AdminDown: flagged so clients keep their sessions (RFC 5882 §3.2)
        assertThat(sim.b.changes.getLast().change()).isEqualTo(new SessionAction.StateChanged(BfdState.UP, BfdState.DOWN,
                Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, true));
        assertThat(sim.b.fsm.state()).isEqualTo(BfdState.DOWN);
        // A ignores B while administratively down
        assertThat(sim.a.fsm.state()).isEqualTo(BfdState.ADMIN_DOWN);
        assertThat(sim.a.discards).isNotEmpty().allMatch(d -> d.discard().reason() == DiscardReason.LOCAL_ADMIN_DOWN);
        // AdminDown packets keep flowing at the slow rate
        assertThat(sim.a.sentBetween(adminAt, sim.now)).hasSizeBetween(4, 6)
                .allMatch(s -> s.packet().state() == BfdState.ADMIN_DOWN);
        sim.a.handle(SessionEvent.ADMIN_UP);
        assertThat(sim.a.changes.getLast().change().to()).isEqualTo(BfdState.DOWN);
        sim.runUntilUp(5_000 * MS);
    }

    @Test
    void increasedTransmitIntervalWaitsForTheFinal() {
        Simulation sim = new Simulation(7);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(1_000 * MS);
        sim.b.drop = ControlPacket::fin; // hold B's Finals back
        sim.a.handle(new SessionEvent.Reconfigure(new Timers(Duration.ofMillis(300), Duration.ofMillis(100), 3)));
        sim.runFor(1_000 * MS);
        SessionSnapshot polling = sim.a.snap();
        assertThat(polling.pollActive()).isTrue();
        assertThat(polling.desiredMinTx()).isEqualTo(Duration.ofMillis(300)); // advertised at once...
        assertThat(polling.transmitInterval()).isEqualTo(Duration.ofMillis(100)); // ...but not used yet (§6.8.3)
        List<Simulation.Sent> duringPoll = sim.a.sentBetween(sim.now - 1_000 * MS, sim.now);
        assertThat(duringPoll).hasSizeBetween(10, 14).allMatch(s -> s.packet().poll() && s.packet().desiredMinTxMicros() == 300_000);
        // B already uses the longer interval for its detection time (it saw the new value)
        assertThat(sim.b.snap().detectionTime()).isEqualTo(Duration.ofMillis(900));
        sim.b.drop = p -> false;
        sim.runFor(2_000 * MS);
        SessionSnapshot done = sim.a.snap();
        assertThat(done.pollActive()).isFalse();
        assertThat(done.transmitInterval()).isEqualTo(Duration.ofMillis(300));
        List<Simulation.Sent> slow = sim.a.sentBetween(sim.now - 1_500 * MS, sim.now).stream().filter(s -> !s.packet().fin()).toList();
        for (int i = 1; i < slow.size(); i++) {
            assertThat(slow.get(i).at() - slow.get(i - 1).at()).isBetween(225 * MS, 300 * MS);
        }
        assertThat(sim.a.fsm.state()).isEqualTo(BfdState.UP);
        assertThat(sim.b.fsm.state()).isEqualTo(BfdState.UP);
    }

    @Test
    void reducedReceiveIntervalKeepsTheOldDetectionTimeUntilTheFinal() {
        Simulation sim = new Simulation(8);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(1_000 * MS);
        assertThat(sim.a.snap().detectionTime()).isEqualTo(Duration.ofMillis(300));
        sim.b.drop = ControlPacket::fin;
        sim.a.handle(new SessionEvent.Reconfigure(new Timers(Duration.ofMillis(100), Duration.ofMillis(50), 3)));
        sim.runFor(500 * MS);
        assertThat(sim.a.snap().requiredMinRx()).isEqualTo(Duration.ofMillis(50));
        assertThat(sim.a.snap().detectionTime()).isEqualTo(Duration.ofMillis(300));
        sim.b.drop = p -> false;
        sim.runFor(500 * MS);
        // B still sends every 100 ms (its own Desired Min TX), so the detection time stays 3 x max(50, 100)
        assertThat(sim.a.snap().pollActive()).isFalse();
        assertThat(sim.a.snap().detectionTime()).isEqualTo(Duration.ofMillis(300));
        sim.b.handle(new SessionEvent.Reconfigure(new Timers(Duration.ofMillis(50), Duration.ofMillis(100), 3)));
        sim.runFor(1_000 * MS);
        assertThat(sim.a.snap().detectionTime()).isEqualTo(Duration.ofMillis(150));
    }

    @Test
    void onlyOnePollAtATime() {
        Simulation sim = new Simulation(9);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(1_000 * MS);
        sim.b.drop = ControlPacket::fin;
        sim.a.handle(new SessionEvent.Reconfigure(new Timers(Duration.ofMillis(200), Duration.ofMillis(100), 3)));
        sim.runFor(300 * MS);
        sim.a.handle(new SessionEvent.Reconfigure(new Timers(Duration.ofMillis(400), Duration.ofMillis(100), 3)));
        sim.runFor(300 * MS);
        // the second change waits: the running Poll keeps advertising the first
        assertThat(sim.a.sentBetween(sim.now - 300 * MS, sim.now)).allMatch(s -> s.packet().desiredMinTxMicros() == 200_000);
        sim.b.drop = p -> false;
        sim.runFor(3_000 * MS);
        assertThat(sim.a.snap().desiredMinTx()).isEqualTo(Duration.ofMillis(400));
        assertThat(sim.a.snap().transmitInterval()).isEqualTo(Duration.ofMillis(400));
        assertThat(sim.a.snap().pollActive()).isFalse();
        assertThat(sim.b.snap().detectionTime()).isEqualTo(Duration.ofMillis(1200));
    }

    @Test
    void pollIsAnsweredAtOnceWithFinalAndWithoutPoll() {
        Simulation sim = new Simulation(10);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(1_000 * MS);
        sim.delayNanos = 0;
        long changedAt = sim.now;
        sim.b.handle(new SessionEvent.Reconfigure(new Timers(Duration.ofMillis(150), Duration.ofMillis(100), 3)));
        sim.runFor(200 * MS);
        Simulation.Sent poll = sim.b.sent.stream().filter(s -> s.at() >= changedAt && s.packet().poll()).findFirst().orElseThrow();
        Simulation.Sent fin = sim.a.sent.stream().filter(s -> s.at() >= poll.at() && s.packet().fin()).findFirst().orElseThrow();
        assertThat(fin.at()).isEqualTo(poll.at());
        assertThat(fin.packet().poll()).isFalse();
    }

    @Test
    void authenticatedSessionsComeUpAndWrongKeysStayDown() {
        for (AuthType t : AuthType.values()) {
            AuthKey key = AuthKey.of(t, 4, "shared-key");
            Simulation ok = new Simulation(Timers.DEFAULT, Timers.DEFAULT, Optional.of(key), Optional.of(key), 11);
            ok.start();
            ok.runUntilUp(5_000 * MS);
            ok.runFor(2_000 * MS);
            assertThat(ok.a.discards).as(t.toString()).isEmpty();
            assertThat(ok.a.sent).allMatch(s -> s.packet().auth().isPresent());

            Simulation bad = new Simulation(Timers.DEFAULT, Timers.DEFAULT, Optional.of(key),
                    Optional.of(AuthKey.of(t, 4, "other-key")), 12);
            bad.start();
            bad.runFor(3_000 * MS);
            assertThat(bad.a.fsm.state()).isEqualTo(BfdState.DOWN);
            assertThat(bad.a.discards).isNotEmpty().allMatch(d -> d.discard().reason() == DiscardReason.AUTH_FAILED);
        }
    }

    @Test
    void authenticationOnOneSideOnlyIsDiscarded() {
        Simulation sim = new Simulation(Timers.DEFAULT, Timers.DEFAULT, Optional.of(AuthKey.of(AuthType.KEYED_SHA1, 1, "k")),
                Optional.empty(), 13);
        sim.start();
        sim.runFor(3_000 * MS);
        assertThat(sim.a.discards).isNotEmpty().allMatch(d -> d.discard().reason() == DiscardReason.AUTH_MISSING);
        assertThat(sim.b.discards).isNotEmpty().allMatch(d -> d.discard().reason() == DiscardReason.AUTH_UNEXPECTED);
        assertThat(sim.a.fsm.state()).isEqualTo(BfdState.DOWN);
        assertThat(sim.b.fsm.state()).isEqualTo(BfdState.DOWN);
    }

    @Test
    void replayedPacketsFallOutsideTheSequenceWindow() {
        AuthKey meticulous = AuthKey.of(AuthType.METICULOUS_KEYED_MD5, 1, "k");
        Simulation sim = new Simulation(Timers.DEFAULT, Timers.DEFAULT, Optional.of(meticulous), Optional.of(meticulous), 14);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(500 * MS);
        ControlPacket last = sim.b.sent.getLast().packet();
        // meticulous: the same sequence number again is a replay
        sim.a.handle(new SessionEvent.Received(last));
        assertThat(sim.a.discards.getLast().discard().reason()).isEqualTo(DiscardReason.AUTH_SEQUENCE_OUT_OF_WINDOW);
        // an old packet from before the session came up is far behind the window
        sim.a.handle(new SessionEvent.Received(sim.b.sent.getFirst().packet()));
        assertThat(sim.a.discards.getLast().discard().reason()).isEqualTo(DiscardReason.AUTH_SEQUENCE_OUT_OF_WINDOW);
        assertThat(sim.a.fsm.state()).isEqualTo(BfdState.UP);

        AuthKey keyed = AuthKey.of(AuthType.KEYED_SHA1, 1, "k");
        Simulation k = new Simulation(Timers.DEFAULT, Timers.DEFAULT, Optional.of(keyed), Optional.of(keyed), 15);
        k.start();
        k.runUntilUp(5_000 * MS);
        k.runFor(500 * MS);
        int before = k.a.discards.size();
        // keyed (not meticulous): the same number is allowed (it only changes once a second)
        k.a.handle(new SessionEvent.Received(k.b.sent.getLast().packet()));
        assertThat(k.a.discards).hasSize(before);
    }

    @Test
    void knownSequenceIsForgottenAfterTwiceTheDetectionTime() {
        AuthKey meticulous = AuthKey.of(AuthType.METICULOUS_KEYED_SHA1, 1, "k");
        Simulation sim = new Simulation(Timers.DEFAULT, Timers.DEFAULT, Optional.of(meticulous), Optional.of(meticulous), 16);
        sim.start();
        sim.runUntilUp(5_000 * MS);
        sim.runFor(500 * MS);
        ControlPacket old = sim.b.sent.getFirst().packet();
        sim.b.drop = p -> true;
        // detection (300 ms) takes A down and resets the remote timers; 2 x the detection time later
        // bfd.AuthSeqKnown is cleared (§6.8.1), so a rebooted peer with a lower sequence is accepted again
        sim.runFor(700 * MS);
        int before = sim.a.discards.size();
        sim.a.handle(new SessionEvent.Received(old));
        assertThat(sim.a.discards).hasSize(before);
    }

    @Test
    void remoteDemandModeStopsOurPeriodicPackets() {
        // §6.6: the peer sets D (it wants no periodic packets) but keeps sending its own, so we keep detecting
        ScriptedPeer peer = ScriptedPeer.upSession(17);
        ScriptedPeer.Result quiet = peer.receive(peer.packet(BfdState.UP).demand(true).build());
        long t = peer.now;
        peer.advance(1_000 * MS, () -> peer.packet(BfdState.UP).demand(true).build());
        assertThat(peer.sentSince(t)).isEmpty();
        assertThat(quiet.discards()).isEmpty();
        assertThat(peer.fsm.state()).isEqualTo(BfdState.UP);
        // the peer leaves Demand mode: periodic transmission resumes
        peer.receive(peer.packet(BfdState.UP).demand(false).build());
        t = peer.now;
        peer.advance(250 * MS, () -> peer.packet(BfdState.UP).build());
        assertThat(peer.sentSince(t)).hasSizeBetween(2, 4).noneMatch(ControlPacket::fin);
    }

    @Test
    void zeroRequiredMinRxFromThePeerStopsPeriodicPacketsButNotFinals() {
        ScriptedPeer peer = ScriptedPeer.upSession(18);
        peer.receive(peer.packet(BfdState.UP).requiredMinRx(0).build());
        long t = peer.now;
        peer.advance(1_000 * MS, () -> peer.packet(BfdState.UP).requiredMinRx(0).build());
        assertThat(peer.sentSince(t)).isEmpty();
        assertThat(peer.fsm.state()).isEqualTo(BfdState.UP);
        ScriptedPeer.Result polled = peer.receive(peer.packet(BfdState.UP).requiredMinRx(0).poll(true).build());
        assertThat(polled.sent()).singleElement().matches(ControlPacket::fin);
    }

    @Test
    void stateTableOfSection686() {
        // Down + AdminDown: stay Down, no change, no diagnostic
        ScriptedPeer p = ScriptedPeer.fresh(19);
        assertThat(p.receive(p.packet(BfdState.ADMIN_DOWN).build()).changes()).isEmpty();
        // Down + Up: ignored (only Down or Init move us)
        assertThat(p.receive(p.packet(BfdState.UP).your(p.localDiscriminator()).build()).changes()).isEmpty();
        // Down + Init: straight to Up
        assertThat(p.receive(p.packet(BfdState.INIT).your(p.localDiscriminator()).build()).changes())
                .containsExactly(new SessionAction.StateChanged(BfdState.DOWN, BfdState.UP, Diagnostic.NONE, false));
        // Up + Init: stays Up
        assertThat(p.receive(p.packet(BfdState.INIT).your(p.localDiscriminator()).build()).changes()).isEmpty();

        ScriptedPeer q = ScriptedPeer.fresh(20);
        assertThat(q.receive(q.packet(BfdState.DOWN).build()).changes()).extracting(SessionAction.StateChanged::to).containsExactly(BfdState.INIT);
        // Init + Down: stays Init
        assertThat(q.receive(q.packet(BfdState.DOWN).build()).changes()).isEmpty();
        // Init + AdminDown: Down, "neighbor signaled session down", flagged as the peer's AdminDown
        assertThat(q.receive(q.packet(BfdState.ADMIN_DOWN).build()).changes())
                .containsExactly(new SessionAction.StateChanged(BfdState.INIT, BfdState.DOWN, Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, true));
    }

    @Test
    void stateChangesAreSentAtOnceAndCarryTheReplyDiscriminator() {
        ScriptedPeer p = ScriptedPeer.fresh(21);
        ScriptedPeer.Result r = p.receive(p.packet(BfdState.DOWN).build());
        ControlPacket init = r.sent().getFirst();
        assertThat(init.state()).isEqualTo(BfdState.INIT);
        assertThat(init.yourDiscriminator()).isEqualTo(ScriptedPeer.PEER_DISCRIMINATOR);
    }

    @Test
    void constructorRejectsAZeroDiscriminator() {
        assertThatThrownBy(() -> new BfdSession("x", 0, Timers.DEFAULT, Optional.empty(), new java.util.SplittableRandom(1), 0))
                .hasMessageContaining("nonzero");
    }

    @Test
    void timersAreValidated() {
        assertThatThrownBy(() -> Timers.of(Duration.ofMillis(100), 0)).hasMessageContaining("1-255");
        assertThatThrownBy(() -> Timers.of(Duration.ofNanos(500_000), 3)).hasMessageContaining("between 1 ms");
        assertThatThrownBy(() -> Timers.of(Duration.ofNanos(1_000_500), 3)).hasMessageContaining("whole microseconds");
        assertThat(Timers.DEFAULT.desiredMinTxMicros()).isEqualTo(100_000);
    }
}
