package dev.viaduct.bgp.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.BgpMessage.Keepalive;
import dev.viaduct.bgp.wire.BgpMessage.Notification;
import dev.viaduct.bgp.wire.BgpMessage.Open;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.PrefixList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RFC 4271 §8 FSM driven by plain calls and a fake clock: no sockets, no sleeping. */
class FsmTest {
    static final long S = 1_000_000_000L;
    static final int LOCAL_ID = 0x0a000001;
    static final int PEER_ID = 0x0a000002;

    static Open open(int as, int hold, int id, Capability... caps) {
        return new Open(4, as, hold, id, List.of(caps));
    }

    static final Open LOCAL = open(65001, 90, LOCAL_ID, new Capability.Multiprotocol(Family.IPV4_UNICAST),
            new Capability.FourOctetAs(65001), new Capability.RouteRefreshSupport());

    static FsmConfig cfg(boolean passive) {
        return new FsmConfig(LOCAL, 65001, 65002, passive, 5, 1, 3);
    }

    static Open peerOpen(int hold) {
        return open(65002, hold, PEER_ID, new Capability.Multiprotocol(Family.IPV4_UNICAST), new Capability.FourOctetAs(65002));
    }

    long now = 1000 * S;

    static <T extends FsmAction> List<T> of(List<FsmAction> actions, Class<T> kind) {
        return actions.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    static Notification sentNotification(List<FsmAction> actions) {
        return of(actions, FsmAction.Send.class).stream().map(FsmAction.Send::message)
                .filter(m -> m instanceof Notification).map(m -> (Notification) m).findFirst().orElseThrow();
    }

    Fsm established(boolean passive, int peerHold) {
        Fsm f = new Fsm(cfg(passive));
        f.handle(new FsmEvent.Start(), now);
        f.handle(new FsmEvent.TcpConnected(!passive), now);
        f.handle(new FsmEvent.Received(peerOpen(peerHold)), now);
        List<FsmAction> a = f.handle(new FsmEvent.Received(Keepalive.INSTANCE), now);
        assertThat(of(a, FsmAction.SessionUp.class)).hasSize(1);
        assertThat(f.state()).isInstanceOf(FsmState.Established.class);
        return f;
    }

    @Test
    void activePeerWalksIdleConnectOpenSentOpenConfirmEstablished() {
        Fsm f = new Fsm(cfg(false));
        List<FsmAction> a = f.handle(new FsmEvent.Start(), now);
        assertThat(f.state()).isEqualTo(FsmState.CONNECT);
        assertThat(of(a, FsmAction.Connect.class)).hasSize(1);
        a = f.handle(new FsmEvent.TcpConnected(true), now);
        assertThat(f.state()).isEqualTo(FsmState.OPEN_SENT);
        assertThat(of(a, FsmAction.Send.class)).extracting(FsmAction.Send::message).containsExactly(LOCAL);
        a = f.handle(new FsmEvent.Received(peerOpen(30)), now);
        assertThat(f.state()).isInstanceOf(FsmState.OpenConfirm.class);
        assertThat(of(a, FsmAction.Send.class)).extracting(FsmAction.Send::message).containsExactly(Keepalive.INSTANCE);
        Negotiated n = f.session();
        assertThat(n.holdTime()).isEqualTo(30);
        assertThat(n.keepaliveTime()).isEqualTo(10);
        assertThat(n.fourOctetAs()).isTrue();
        assertThat(n.routeRefresh()).isFalse();
        assertThat(n.families()).containsExactly(Family.IPV4_UNICAST);
        a = f.handle(new FsmEvent.Received(Keepalive.INSTANCE), now);
        assertThat(f.state()).isInstanceOf(FsmState.Established.class);
        assertThat(of(a, FsmAction.Transition.class)).extracting(t -> FsmState.name(t.to())).containsExactly("ESTABLISHED");
        assertThat(f.transitions()).isEqualTo(4);
    }

    @Test
    void passivePeerWaitsInActiveAndNeverConnects() {
        Fsm f = new Fsm(cfg(true));
        List<FsmAction> a = f.handle(new FsmEvent.Start(), now);
        assertThat(f.state()).isEqualTo(FsmState.ACTIVE);
        assertThat(of(a, FsmAction.Connect.class)).isEmpty();
        assertThat(of(f.onTimers(now + 6 * S), FsmAction.Connect.class)).isEmpty();
        f.handle(new FsmEvent.InboundConnection(), now);
        assertThat(f.state()).isEqualTo(FsmState.OPEN_SENT);
        assertThat(f.outbound()).isFalse();
    }

    @Test
    void connectRetryTimerRetriesAndFailureGoesActive() {
        Fsm f = new Fsm(cfg(false));
        f.handle(new FsmEvent.Start(), now);
        assertThat(f.nextDeadline()).isEqualTo(now + 5 * S);
        List<FsmAction> a = f.onTimers(now + 5 * S);
        assertThat(a).hasAtLeastOneElementOfType(FsmAction.Disconnect.class).hasAtLeastOneElementOfType(FsmAction.Connect.class);
        f.handle(new FsmEvent.TcpFailed("refused"), now + 6 * S);
        assertThat(f.state()).isEqualTo(FsmState.ACTIVE);
        a = f.onTimers(now + 11 * S);
        assertThat(f.state()).isEqualTo(FsmState.CONNECT);
        assertThat(of(a, FsmAction.Connect.class)).hasSize(1);
    }

    @Test
    void keepalivesAtAThirdOfTheHoldTimeAndHoldTimerExpiry() {
        Fsm f = established(false, 9);
        assertThat(f.nextDeadline()).isEqualTo(now + 3 * S);
        assertThat(of(f.onTimers(now + 3 * S), FsmAction.Send.class)).extracting(FsmAction.Send::message).containsExactly(Keepalive.INSTANCE);
        f.handle(new FsmEvent.Received(Keepalive.INSTANCE), now + 4 * S); // hold restarts at 4 s
        assertThat(f.state()).isInstanceOf(FsmState.Established.class);
        List<FsmAction> a = f.onTimers(now + 13 * S);
        assertThat(sentNotification(a).code()).isEqualTo(ErrorCodes.HOLD_TIMER_EXPIRED);
        assertThat(f.state()).isEqualTo(FsmState.IDLE);
        FsmAction.SessionDown down = of(a, FsmAction.SessionDown.class).getFirst();
        assertThat(down.reason().kind()).isEqualTo(DownReason.Kind.NOTIFICATION_SENT);
        assertThat(down.reason().retainsRoutes()).isFalse();
        // automatic restart after IdleHold (1 s)
        a = f.onTimers(now + 14 * S);
        assertThat(f.state()).isEqualTo(FsmState.CONNECT);
        assertThat(of(a, FsmAction.Connect.class)).hasSize(1);
    }

    @Test
    void holdTimeZeroMeansNoTimersAtAll() {
        Fsm f = established(false, 0);
        assertThat(f.session().holdTime()).isZero();
        assertThat(f.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void updatesRestartTheHoldTimer() {
        Fsm f = established(false, 9);
        BgpMessage.Update eor = BgpMessage.Update.endOfRib(Family.IPV4_UNICAST);
        for (int t = 5; t <= 40; t += 5) {
            f.handle(new FsmEvent.Received(eor), now + t * S);
            f.onTimers(now + t * S);
        }
        assertThat(f.state()).isInstanceOf(FsmState.Established.class);
    }

    @Test
    void connectionLossInEstablishedKeepsRoutesForGracefulRestartButANotificationDoesNot() {
        Fsm f = established(false, 90);
        DownReason lost = of(f.handle(new FsmEvent.TcpFailed("reset"), now), FsmAction.SessionDown.class).getFirst().reason();
        assertThat(lost.kind()).isEqualTo(DownReason.Kind.CONNECTION_LOST);
        assertThat(lost.retainsRoutes()).isTrue();
        Fsm g = established(false, 90);
        DownReason cease = of(g.handle(new FsmEvent.Received(new Notification(6, 2)), now), FsmAction.SessionDown.class).getFirst().reason();
        assertThat(cease.kind()).isEqualTo(DownReason.Kind.NOTIFICATION_RECEIVED);
        assertThat(cease.retainsRoutes()).isFalse();
    }

    @Test
    void badPeerAsIsRefusedWithOpenError() {
        Fsm f = new Fsm(cfg(false));
        f.handle(new FsmEvent.Start(), now);
        f.handle(new FsmEvent.TcpConnected(true), now);
        List<FsmAction> a = f.handle(new FsmEvent.Received(open(65003, 90, PEER_ID)), now);
        Notification n = sentNotification(a);
        assertThat(n.code()).isEqualTo(ErrorCodes.OPEN_MESSAGE);
        assertThat(n.subcode()).isEqualTo(ErrorCodes.BAD_PEER_AS);
        assertThat(f.state()).isEqualTo(FsmState.IDLE);
        assertThat(f.lastDown().text()).contains("65003").contains("65002");
    }

    @Test
    void ibgpPeerWithOurIdentifierIsABadBgpIdentifier() {
        Fsm f = new Fsm(new FsmConfig(LOCAL, 65001, 65001, false, 5, 1, 3));
        f.handle(new FsmEvent.Start(), now);
        f.handle(new FsmEvent.TcpConnected(true), now);
        Notification n = sentNotification(f.handle(new FsmEvent.Received(open(65001, 90, LOCAL_ID)), now));
        assertThat(n.subcode()).isEqualTo(ErrorCodes.BAD_BGP_IDENTIFIER);
    }

    @Test
    void noCommonFamilyIsUnsupportedCapabilityNamingOurs() {
        Fsm f = new Fsm(cfg(false));
        f.handle(new FsmEvent.Start(), now);
        f.handle(new FsmEvent.TcpConnected(true), now);
        Notification n = sentNotification(f.handle(new FsmEvent.Received(open(65002, 90, PEER_ID,
                new Capability.Multiprotocol(Family.IPV6_UNICAST))), now));
        assertThat(n.subcode()).isEqualTo(ErrorCodes.UNSUPPORTED_CAPABILITY);
        assertThat(n.data()).containsExactly(1, 4, 0, 1, 0, 1); // our Multiprotocol IPv4 unicast capability
    }

    @Test
    void holdTimeBelowOurMinimumIsUnacceptable() {
        Fsm f = new Fsm(new FsmConfig(LOCAL, 65001, 65002, false, 5, 1, 10));
        f.handle(new FsmEvent.Start(), now);
        f.handle(new FsmEvent.TcpConnected(true), now);
        assertThat(sentNotification(f.handle(new FsmEvent.Received(peerOpen(5)), now)).subcode()).isEqualTo(ErrorCodes.UNACCEPTABLE_HOLD_TIME);
    }

    @Test
    void unexpectedMessagesAreFsmErrorsNamingTheState() {
        Fsm f = new Fsm(cfg(false));
        f.handle(new FsmEvent.Start(), now);
        f.handle(new FsmEvent.TcpConnected(true), now);
        Notification n = sentNotification(f.handle(new FsmEvent.Received(Keepalive.INSTANCE), now));
        assertThat(n.code()).isEqualTo(ErrorCodes.FSM);
        assertThat(n.subcode()).isEqualTo(ErrorCodes.FSM_UNEXPECTED_IN_OPENSENT);
        Fsm g = established(false, 90);
        n = sentNotification(g.handle(new FsmEvent.Received(peerOpen(90)), now));
        assertThat(n.subcode()).isEqualTo(ErrorCodes.FSM_UNEXPECTED_IN_ESTABLISHED);
        Fsm h = new Fsm(cfg(false));
        h.handle(new FsmEvent.Start(), now);
        h.handle(new FsmEvent.TcpConnected(true), now);
        h.handle(new FsmEvent.Received(peerOpen(90)), now);
        n = sentNotification(h.handle(new FsmEvent.Received(new BgpMessage.Update(PrefixList.empty(Family.IPV4_UNICAST), List.of(),
                PrefixList.empty(Family.IPV4_UNICAST))), now));
        assertThat(n.subcode()).isEqualTo(ErrorCodes.FSM_UNEXPECTED_IN_OPENCONFIRM);
    }

    @Test
    void stopSendsCeaseAndDoesNotRestart() {
        Fsm f = established(false, 90);
        List<FsmAction> a = f.handle(new FsmEvent.Stop(ErrorCodes.CEASE_ADMIN_SHUTDOWN, "bye"), now);
        assertThat(sentNotification(a).subcode()).isEqualTo(ErrorCodes.CEASE_ADMIN_SHUTDOWN);
        assertThat(of(a, FsmAction.SessionDown.class).getFirst().reason().kind()).isEqualTo(DownReason.Kind.ADMIN_DOWN);
        assertThat(f.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        assertThat(f.onTimers(now + 3600 * S)).isEmpty();
    }

    @Test
    void collisionLoserSendsCeaseConnectionCollision() {
        Fsm f = new Fsm(cfg(false));
        f.handle(new FsmEvent.Start(), now);
        f.handle(new FsmEvent.TcpConnected(true), now);
        f.handle(new FsmEvent.Received(peerOpen(90)), now);
        List<FsmAction> a = f.handle(new FsmEvent.CollisionDump(CollisionDecision.CEASE_COLLISION), now);
        assertThat(sentNotification(a).subcode()).isEqualTo(ErrorCodes.CEASE_CONNECTION_COLLISION);
        assertThat(f.state()).isEqualTo(FsmState.IDLE);
        assertThat(f.running()).isFalse();
    }

    @Test
    void decodeErrorsSendTheirNotification() {
        Fsm f = established(false, 90);
        List<FsmAction> a = f.handle(new FsmEvent.DecodeFailed(new dev.viaduct.bgp.wire.BgpDecodeException(3, 1, "x")), now);
        assertThat(sentNotification(a)).isEqualTo(new Notification(3, 1));
        assertThat(a).hasAtLeastOneElementOfType(FsmAction.Disconnect.class);
    }
}
