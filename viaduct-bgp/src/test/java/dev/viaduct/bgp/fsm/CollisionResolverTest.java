package dev.viaduct.bgp.fsm;

import static dev.viaduct.bgp.fsm.CollisionInput.Direction.INBOUND;
import static dev.viaduct.bgp.fsm.CollisionInput.Direction.OUTBOUND;
import static dev.viaduct.bgp.fsm.CollisionInput.Role.CONFIGURED;
import static dev.viaduct.bgp.fsm.CollisionInput.Role.SECOND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bgp.fsm.CollisionDecision.DumpNew;
import dev.viaduct.bgp.fsm.CollisionDecision.DumpOld;
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
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link CollisionResolver} case by case, without sockets or a driver: every case {@code speaker.CollisionTest} and
 * {@code SpeakerPairTest} drive over real connections, the 500-node mesh incidents recorded in docs/benchmarks.md
 * (as the sequences of moments the speaker went through), and the remaining rows of the table.
 */
class CollisionResolverTest {
    static final int LOCAL_ID = 0x0a00_0005; // 10.0.0.5
    static final int LOWER_ID = 0x0a00_0001; // 10.0.0.1
    static final int HIGHER_ID = 0xc0a8_0001; // 192.168.0.1: above 10.0.0.5 only when compared unsigned
    static final long LOCAL_AS = 65000;
    static final long PEER_AS = 65010;

    static final Capability.GracefulRestart GR = new Capability.GracefulRestart(false, false, 120,
            List.of(new Capability.GrFamily(Family.IPV4_UNICAST, true)));

    static Negotiated session(int peerId, long peerAs, boolean gr) {
        List<Capability> caps = gr ? List.of(new Capability.Multiprotocol(Family.IPV4_UNICAST), GR)
                : List.of(new Capability.Multiprotocol(Family.IPV4_UNICAST));
        Open local = new Open(4, (int) LOCAL_AS, 90, LOCAL_ID, caps);
        Open remote = new Open(4, (int) peerAs, 90, peerId, caps);
        return new Negotiated(local, remote, peerAs, peerId, 90, 30, Set.of(Family.IPV4_UNICAST), true, true, gr ? GR : null);
    }

    static FsmView stopped() {
        return new FsmView(FsmState.IDLE, false, false, INBOUND);
    }

    /** Idle, running: waiting out IdleHold after an error. */
    static FsmView idleHold() {
        return new FsmView(FsmState.IDLE, true, false, INBOUND);
    }

    /** Our connect in flight. */
    static FsmView connecting() {
        return new FsmView(FsmState.CONNECT, true, false, OUTBOUND);
    }

    /** Waiting for a connection (passive, or after a failed connect / a connection lost in OpenSent). */
    static FsmView active() {
        return new FsmView(FsmState.ACTIVE, true, false, INBOUND);
    }

    static FsmView openSent(Direction d) {
        return new FsmView(FsmState.OPEN_SENT, true, true, d);
    }

    static FsmView openConfirm(Direction d, int peerId) {
        return openConfirm(d, peerId, PEER_AS);
    }

    static FsmView openConfirm(Direction d, int peerId, long peerAs) {
        return new FsmView(new FsmState.OpenConfirm(session(peerId, peerAs, false)), true, true, d);
    }

    static FsmView established(Direction d, boolean gr) {
        return new FsmView(new FsmState.Established(session(LOWER_ID, PEER_AS, gr)), true, true, d);
    }

    /** A second FSM dumped (Event 23): Idle, stopped, its connection closed. */
    static FsmView dumped(Direction d) {
        return new FsmView(FsmState.IDLE, false, false, d);
    }

    static OpenReceived open(Role on, FsmView configured, FsmView second) {
        return new OpenReceived(on, configured, second, LOCAL_ID, LOCAL_AS);
    }

    static void assertDump(CollisionDecision d, Class<? extends CollisionDecision> kind) {
        assertThat(d).isInstanceOf(kind);
        var n = d instanceof DumpNew dn ? dn.notification() : ((DumpOld) d).notification();
        // RFC 4486: Cease, subcode 7 Connection Collision Resolution
        assertThat(n.code()).isEqualTo(ErrorCodes.CEASE);
        assertThat(n.subcode()).isEqualTo(ErrorCodes.CEASE_CONNECTION_COLLISION);
    }

    // ------------------------------------------------------------------ a connection was accepted

    @Test
    void aStoppedPeerRefusesConnectionsUnanswered() {
        assertThat(CollisionResolver.decide(new Accepted(stopped(), null))).isEqualTo(new DumpNew(null, "the peer is stopped"));
    }

    @Test
    void aConfiguredFsmWithoutAConnectionTakesTheAcceptedOne() {
        assertThat(CollisionResolver.decide(new Accepted(idleHold(), null))).isInstanceOf(HandToConfigured.class);
        assertThat(CollisionResolver.decide(new Accepted(active(), null))).isInstanceOf(HandToConfigured.class);
        // RFC 4271 §8.2.2 Connect, Event 17: the inbound connection overtakes our connect in flight
        assertThat(CollisionResolver.decide(new Accepted(connecting(), null))).isInstanceOf(HandToConfigured.class);
    }

    @Test
    void aConnectionNextToANegotiatingOneRunsAsTheSecondFsm() {
        assertThat(CollisionResolver.decide(new Accepted(openSent(OUTBOUND), null))).isInstanceOf(RunAsSecond.class);
        assertThat(CollisionResolver.decide(new Accepted(openSent(INBOUND), null))).isInstanceOf(RunAsSecond.class);
        assertThat(CollisionResolver.decide(new Accepted(openConfirm(OUTBOUND, LOWER_ID), null))).isInstanceOf(RunAsSecond.class);
    }

    @Test
    void aThirdConnectionIsRefusedUnanswered() {
        DumpNew d = (DumpNew) CollisionResolver.decide(new Accepted(openSent(INBOUND), openSent(INBOUND)));
        assertThat(d.notification()).isNull();
        assertThat(CollisionResolver.decide(new Accepted(established(INBOUND, true), openSent(INBOUND)))).isInstanceOf(DumpNew.class);
    }

    @Test
    void aConnectionNextToAnEstablishedSessionWithoutGracefulRestartIsRefused() {
        DumpNew d = (DumpNew) CollisionResolver.decide(new Accepted(established(OUTBOUND, false), null));
        assertThat(d.notification()).isNull();
        assertThat(d.why()).contains("RFC 4271 §6.8");
    }

    @Test
    void aConnectionNextToAnEstablishedGracefulRestartSessionWaitsForItsOpen() {
        // CollisionTest: neither ends the session on accept (a late connect) nor is refused (a restart)
        assertThat(CollisionResolver.decide(new Accepted(established(INBOUND, true), null))).isInstanceOf(RunAsSecond.class);
    }

    // ------------------------------------------------------------------ an OPEN was accepted

    @Test
    void anOpenWithNothingToCompareWithDecidesNothing() {
        assertThat(CollisionResolver.decide(open(CONFIGURED, openConfirm(OUTBOUND, LOWER_ID), null))).isInstanceOf(KeepConfigured.class);
        // the other FSM lost its connection meanwhile (its Settled answer is still to come)
        assertThat(CollisionResolver.decide(open(SECOND, active(), openConfirm(INBOUND, LOWER_ID)))).isInstanceOf(KeepConfigured.class);
    }

    @Test
    void theConnectionInitiatedByTheHigherBgpIdentifierStays() {
        // we (10.0.0.5) connected out, the peer (10.0.0.1) connected in; its OPEN arrives on the inbound one
        assertDump(CollisionResolver.decide(open(SECOND, openSent(OUTBOUND), openConfirm(INBOUND, LOWER_ID))), DumpNew.class);
        // the same with its OPEN on our connection first
        assertDump(CollisionResolver.decide(open(CONFIGURED, openConfirm(OUTBOUND, LOWER_ID), openSent(INBOUND))), DumpNew.class);
        // a peer with the higher identifier keeps its connection, ours goes
        assertDump(CollisionResolver.decide(open(SECOND, openSent(OUTBOUND), openConfirm(INBOUND, HIGHER_ID))), DumpOld.class);
        assertDump(CollisionResolver.decide(open(CONFIGURED, openConfirm(OUTBOUND, HIGHER_ID), openSent(INBOUND))), DumpOld.class);
        // both OPENs in: the rule still picks by direction, not by which OPEN came first
        assertDump(CollisionResolver.decide(open(SECOND, openConfirm(OUTBOUND, LOWER_ID), openConfirm(INBOUND, LOWER_ID))), DumpNew.class);
        assertDump(CollisionResolver.decide(open(SECOND, openConfirm(OUTBOUND, HIGHER_ID), openConfirm(INBOUND, HIGHER_ID))), DumpOld.class);
    }

    @Test
    void equalBgpIdentifiersAreDecidedByTheAsNumbers() {
        // RFC 6286 §2.3: between ASes the identifiers may be equal; the higher AS's connection stays
        assertDump(CollisionResolver.decide(open(SECOND, openSent(OUTBOUND), openConfirm(INBOUND, LOCAL_ID, 64_900))), DumpNew.class);
        assertDump(CollisionResolver.decide(open(SECOND, openSent(OUTBOUND), openConfirm(INBOUND, LOCAL_ID, 65_100))), DumpOld.class);
    }

    @Test
    void ofTwoInboundConnectionsTheOneThatBroughtAnOpenStaysWhateverTheIdentifiers() {
        // CollisionTest: the second connection brings an OPEN with a lower identifier than ours, the configured
        // FSM's connection is a connect the peer gave up on; §6.8 would keep "our outbound", which does not exist
        assertDump(CollisionResolver.decide(open(SECOND, openSent(INBOUND), openConfirm(INBOUND, LOWER_ID))), DumpOld.class);
        assertDump(CollisionResolver.decide(open(SECOND, openSent(INBOUND), openConfirm(INBOUND, HIGHER_ID))), DumpOld.class);
        // the other order: the OPEN on the configured FSM's connection, the second one still silent
        assertDump(CollisionResolver.decide(open(CONFIGURED, openConfirm(INBOUND, LOWER_ID), openSent(INBOUND))), DumpNew.class);
        // both brought an OPEN: the earlier one stays
        assertDump(CollisionResolver.decide(open(SECOND, openConfirm(INBOUND, LOWER_ID), openConfirm(INBOUND, LOWER_ID))), DumpNew.class);
        assertDump(CollisionResolver.decide(open(CONFIGURED, openConfirm(INBOUND, HIGHER_ID), openConfirm(INBOUND, HIGHER_ID))), DumpOld.class);
    }

    @Test
    void anOpenOnANewConnectionWhileEstablishedIsAGracefulRestart() {
        // CollisionTest: RFC 4724 §4.2
        var d = CollisionResolver.decide(open(SECOND, established(INBOUND, true), openConfirm(INBOUND, LOWER_ID)));
        assertThat(d).isEqualTo(new TreatAsRestart("peer restarted (new OPEN while established)"));
        // whichever side connected
        assertThat(CollisionResolver.decide(open(SECOND, established(OUTBOUND, true), openConfirm(INBOUND, HIGHER_ID))))
                .isInstanceOf(TreatAsRestart.class);
    }

    @Test
    void withoutGracefulRestartTheEstablishedConnectionStays() {
        assertDump(CollisionResolver.decide(open(SECOND, established(OUTBOUND, false), openConfirm(INBOUND, HIGHER_ID))), DumpNew.class);
    }

    @Test
    void anOpenOnTheConfiguredFsmNextToAnEstablishedSecondOneDumpsTheConfiguredOne() {
        // the Established connection stays (§6.8), even with graceful restart: the restart rule is for new connections
        assertDump(CollisionResolver.decide(open(CONFIGURED, openConfirm(OUTBOUND, HIGHER_ID), established(INBOUND, false))), DumpOld.class);
        assertDump(CollisionResolver.decide(open(CONFIGURED, openConfirm(OUTBOUND, HIGHER_ID), established(INBOUND, true))), DumpOld.class);
    }

    @Test
    void anOpenReceivedInputMustNameAnFsmThatAcceptedAnOpen() {
        assertThatThrownBy(() -> open(SECOND, openSent(INBOUND), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("second: ");
        assertThatThrownBy(() -> open(CONFIGURED, openSent(OUTBOUND), openConfirm(INBOUND, LOWER_ID)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("configured: the FSM that accepted an OPEN must be in OPENCONFIRM, is OPENSENT");
    }

    // ------------------------------------------------------------------ the FSMs acted on an event

    @Test
    void withoutASecondFsmNothingMoves() {
        assertThat(CollisionResolver.decide(new Settled(active(), null))).isInstanceOf(KeepConfigured.class);
    }

    @Test
    void aDumpedSecondFsmIsForgotten() {
        assertThat(CollisionResolver.decide(new Settled(openConfirm(OUTBOUND, LOWER_ID), dumped(INBOUND)))).isInstanceOf(ForgetSecond.class);
    }

    @Test
    void aSecondFsmWhoseConnectionDiedBeforeItsOpenIsForgotten() {
        // RFC 4271 §8.2.2: a connection lost in OpenSent leaves the FSM in Active, waiting for another connection.
        // The second FSM never takes one, so it goes; kept, it made the peer's real restart look like a third
        // connection, refused until the old session's hold timer ran out.
        FsmView lostInOpenSent = new FsmView(FsmState.ACTIVE, true, false, INBOUND);
        assertThat(CollisionResolver.decide(new Settled(established(INBOUND, true), lostInOpenSent))).isInstanceOf(ForgetSecond.class);
    }

    @Test
    void aNegotiatingOrEstablishedConfiguredFsmKeepsItsPlace() {
        assertThat(CollisionResolver.decide(new Settled(openSent(INBOUND), openSent(INBOUND)))).isInstanceOf(KeepConfigured.class);
        assertThat(CollisionResolver.decide(new Settled(openConfirm(OUTBOUND, LOWER_ID), openSent(INBOUND)))).isInstanceOf(KeepConfigured.class);
        assertThat(CollisionResolver.decide(new Settled(established(INBOUND, true), openSent(INBOUND)))).isInstanceOf(KeepConfigured.class);
    }

    @Test
    void theSecondFsmTakesOverWhenTheConfiguredOneIsLeftWithoutAConnection() {
        // dumped (Event 23), lost in OpenSent (back to Active), or failed out of Established (Idle, IdleHold)
        for (FsmView gone : List.of(dumped(INBOUND), active(), idleHold())) {
            assertThat(CollisionResolver.decide(new Settled(gone, openSent(INBOUND)))).isEqualTo(new PromoteSecond(null));
            assertThat(CollisionResolver.decide(new Settled(gone, openConfirm(INBOUND, LOWER_ID)))).isEqualTo(new PromoteSecond(null));
        }
    }

    @Test
    void anEstablishedSecondFsmIsPromotedWithTheSessionItsSessionUpWasHeldBackFor() {
        FsmView second = established(INBOUND, false);
        Negotiated n = ((FsmState.Established) second.state()).session();
        assertThat(CollisionResolver.decide(new Settled(dumped(OUTBOUND), second))).isEqualTo(new PromoteSecond(n));
    }

    // ------------------------------------------------------------------ the incidents, moment by moment

    @Test
    void secondConnectionTakesOverWhenTheFirstOneDies() {
        // CollisionTest, and the 500-node mesh's passive end whose configured FSM held a connect the peer had given
        // up on: two inbound connections, the first closes, the live one negotiates, a third given-up connect comes
        assertThat(CollisionResolver.decide(new Accepted(active(), null))).isInstanceOf(HandToConfigured.class);
        assertThat(CollisionResolver.decide(new Accepted(openSent(INBOUND), null))).isInstanceOf(RunAsSecond.class);
        // the first connection closes: configured back to Active without a connection, the live one takes over
        assertThat(CollisionResolver.decide(new Settled(active(), openSent(INBOUND)))).isEqualTo(new PromoteSecond(null));
        // the live one (now configured) brings its OPEN: nothing to compare with
        assertThat(CollisionResolver.decide(open(CONFIGURED, openConfirm(INBOUND, LOWER_ID), null))).isInstanceOf(KeepConfigured.class);
        // the third connection runs as the second FSM, and dies before an OPEN: it goes, the session stays
        assertThat(CollisionResolver.decide(new Accepted(openConfirm(INBOUND, LOWER_ID), null))).isInstanceOf(RunAsSecond.class);
        assertThat(CollisionResolver.decide(new Settled(openConfirm(INBOUND, LOWER_ID), active()))).isInstanceOf(ForgetSecond.class);
        // the session reaches Established as the configured FSM, so its SessionUp is acted on
        assertThat(CollisionResolver.decide(new Settled(established(INBOUND, false), null))).isInstanceOf(KeepConfigured.class);
    }

    @Test
    void theLiveConnectionWinsOverAGivenUpOneStillInOpenSent() {
        // the same mesh, other order: the given-up connect is still open when the live one's OPEN arrives
        assertDump(CollisionResolver.decide(open(SECOND, openSent(INBOUND), openConfirm(INBOUND, LOWER_ID))), DumpOld.class);
        // the dumped configured FSM is Idle and stopped: the live one is promoted, before it is Established
        assertThat(CollisionResolver.decide(new Settled(dumped(INBOUND), openConfirm(INBOUND, LOWER_ID)))).isEqualTo(new PromoteSecond(null));
    }

    @Test
    void aCollisionFsmIsNeverLeftEstablishedWithoutItsSessionUp() {
        // The 500-node mesh (both ends connecting): the configured FSM lost its connection in OpenSent, so the inbound
        // connection's OPEN found nothing to compare with; the configured FSM reconnected; the inbound FSM reached
        // Established as the second FSM; the OPEN on the configured connection then came. Established on both sides,
        // no routes, for good, until the second FSM was promoted with its SessionUp.
        assertThat(CollisionResolver.decide(new Accepted(openSent(OUTBOUND), null))).isInstanceOf(RunAsSecond.class);
        // the configured FSM's connection fails in OpenSent: today the second one takes over at once...
        assertThat(CollisionResolver.decide(new Settled(active(), openSent(INBOUND)))).isEqualTo(new PromoteSecond(null));
        // ...and should a second FSM ever be Established beside a configured one that has a connection, an OPEN on
        // the configured one dumps it, and the promotion carries the session whose SessionUp is due
        assertDump(CollisionResolver.decide(open(CONFIGURED, openConfirm(OUTBOUND, HIGHER_ID), established(INBOUND, false))), DumpOld.class);
        FsmView second = established(INBOUND, false);
        var promote = (PromoteSecond) CollisionResolver.decide(new Settled(dumped(OUTBOUND), second));
        assertThat(promote.session()).isNotNull().isEqualTo(((FsmState.Established) second.state()).session());
    }

    @Test
    void aConnectThePeerGaveUpOnDoesNotEndAnEstablishedGracefulRestartSession() {
        // CollisionTest, and the 500-node mesh's late connect: accepted next to an Established GR session, it runs as
        // the second FSM, answered with our OPEN; it closes without bringing one
        assertThat(CollisionResolver.decide(new Accepted(established(INBOUND, true), null))).isInstanceOf(RunAsSecond.class);
        assertThat(CollisionResolver.decide(new Settled(established(INBOUND, true), openSent(INBOUND)))).isInstanceOf(KeepConfigured.class);
        assertThat(CollisionResolver.decide(new Settled(established(INBOUND, true), active()))).isInstanceOf(ForgetSecond.class);
        // a real restart afterwards is taken as one, not refused as a third connection
        assertThat(CollisionResolver.decide(new Accepted(established(INBOUND, true), null))).isInstanceOf(RunAsSecond.class);
        assertThat(CollisionResolver.decide(open(SECOND, established(INBOUND, true), openConfirm(INBOUND, LOWER_ID))))
                .isInstanceOf(TreatAsRestart.class);
        // the old session ended as a lost connection (Idle, IdleHold): the new connection is the session
        assertThat(CollisionResolver.decide(new Settled(idleHold(), openConfirm(INBOUND, LOWER_ID)))).isEqualTo(new PromoteSecond(null));
    }

    @Test
    void theGeneralEntryPointAnswersLikeTheTypedOnes() {
        CollisionInput in = new Settled(active(), openSent(INBOUND));
        assertThat(CollisionResolver.decide(in)).isEqualTo(CollisionResolver.decide((Settled) in));
        CollisionInput a = new Accepted(stopped(), null);
        assertThat(CollisionResolver.decide(a)).isEqualTo(CollisionResolver.decide((Accepted) a));
    }

    @Test
    void aViewOfARealFsmReadsItsStateAndDirection() {
        Fsm f = new Fsm(FsmTest.cfg(false));
        f.handle(new FsmEvent.Start(), 0);
        f.handle(new FsmEvent.TcpConnected(true), 0);
        FsmView v = FsmView.of(f, true);
        assertThat(v).isEqualTo(new FsmView(FsmState.OPEN_SENT, true, true, OUTBOUND));
        assertThat(v.negotiating()).isTrue();
        assertThat(v.openArrived()).isFalse();
    }
}
