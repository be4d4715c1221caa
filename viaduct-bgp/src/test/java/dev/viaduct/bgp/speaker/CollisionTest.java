package dev.viaduct.bgp.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bgp.wire.BgpMessage;
import dev.viaduct.bgp.wire.Capability;
import dev.viaduct.bgp.wire.ErrorCodes;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several connections from one passive peer at once (RFC 4271 §6.8 with both connections inbound): what a node of a
 * mesh sees when the node that connects to it gives up on connects the first node was slow to accept and retries.
 * A raw peer (127.0.6.x) drives the connections in the order that left a 500-node mesh stuck; and, with graceful
 * restart, a late connection next to an Established session: only an OPEN on it means the peer restarted.
 */
class CollisionTest {
    static final Duration T = Duration.ofSeconds(10);
    static final IpPrefix ROUTE = IpPrefix.parse("10.6.0.0/24");
    static BgpSpeaker speaker;
    static int nextHost = 10;

    @BeforeAll
    static void start() throws Exception {
        Inet4Address addr = SessionErrorTest.v4("127.0.6.1");
        speaker = BgpSpeaker.start(SpeakerConfig.builder(65000, addr).listen(new InetSocketAddress(addr, 0)).idleHoldSeconds(60)
                .gracefulRestart(new SpeakerConfig.GracefulRestart(120, false, true, 360)).jitWarmupRoutes(0).build());
        speaker.originate(ROUTE);
    }

    @AfterAll
    static void stop() {
        speaker.close();
    }

    static Inet4Address newPassivePeer() {
        Inet4Address a = SessionErrorTest.v4("127.0.6." + nextHost++);
        speaker.addPeer(PeerConfig.builder(a, 65010).passive(true).families(Set.of(Family.IPV4_UNICAST)).build());
        return a;
    }

    static RawPeer connect(Inet4Address from) throws Exception {
        RawPeer p = new RawPeer(from, speaker.listenAddress());
        assertThat(p.receive()).as("the speaker's OPEN on a new connection").isInstanceOf(BgpMessage.Open.class);
        return p;
    }

    /** Reads until the speaker's UPDATE for {@link #ROUTE}; fails on a NOTIFICATION, a close or the socket timeout. */
    static void awaitRoute(RawPeer p) throws Exception {
        while (true) {
            BgpMessage m = p.receive();
            assertThat(m).as("the speaker closed the session's connection").isNotNull();
            assertThat(m).as("no NOTIFICATION on the session's connection").isNotInstanceOf(BgpMessage.Notification.class);
            if (m instanceof BgpMessage.Update u && u.nlri().contains(ROUTE)) {
                return;
            }
        }
    }

    static PeerStatus status(Inet4Address peer) {
        return speaker.peer(peer).orElseThrow();
    }

    @Test
    void secondConnectionTakesOverWhenTheFirstOneDies() throws Exception {
        Inet4Address peer = newPassivePeer();
        try (RawPeer first = connect(peer); RawPeer live = connect(peer)) {
            first.close(); // a connect the peer gave up on
            Poll.until("the speaker saw the first connection close", T,
                    () -> String.valueOf(status(peer).lastError()).contains("closed by peer"));
            live.send(RawPeer.standardOpen(65010, SessionErrorTest.id(peer)));
            assertThat(live.receive()).isInstanceOf(BgpMessage.Keepalive.class);
            try (RawPeer third = connect(peer)) { // another given-up connect arrives meanwhile
                live.send(BgpMessage.Keepalive.INSTANCE);
                third.close();
                awaitRoute(live);
            }
            Poll.until("the peer is Established", T, () -> status(peer).established());
            assertThat(status(peer).advertised()).isEqualTo(1);
        }
    }

    @Test
    void ofTwoInboundConnectionsTheOneThatBroughtAnOpenStaysWhateverTheIdentifiers() throws Exception {
        Inet4Address peer = newPassivePeer();
        // a lower BGP Identifier than the speaker's: §6.8's rule would keep "our outbound" connection, which
        // does not exist, and so dump the connection the peer is using
        int lowId = SessionErrorTest.id(SessionErrorTest.v4("1.1.1.1"));
        try (RawPeer stale = connect(peer); RawPeer live = connect(peer)) {
            live.send(RawPeer.standardOpen(65010, lowId));
            assertThat(live.receive()).as("the connection that brought an OPEN stays").isInstanceOf(BgpMessage.Keepalive.class);
            BgpMessage.Notification n = stale.awaitNotification();
            assertThat(n.code()).isEqualTo(ErrorCodes.CEASE);
            assertThat(n.subcode()).isEqualTo(7); // RFC 4486: Connection Collision Resolution
            live.send(BgpMessage.Keepalive.INSTANCE);
            awaitRoute(live);
            Poll.until("the peer is Established", T, () -> status(peer).established());
        }
    }

    @Test
    void theConnectionThatLosesOnIdentifiersGetsTheCeaseAndNoKeepaliveBeforeIt() throws Exception {
        Inet4Address peer = SessionErrorTest.v4("127.0.6." + nextHost++);
        // a higher BGP Identifier than the speaker's 127.0.6.1: the connection the peer initiated stays (§6.8)
        int highId = SessionErrorTest.id(SessionErrorTest.v4("200.0.0.1"));
        try (ServerSocket listener = new ServerSocket(0, 1, peer)) {
            speaker.addPeer(PeerConfig.builder(peer, 65010).port(listener.getLocalPort()).families(Set.of(Family.IPV4_UNICAST)).build());
            try (RawPeer ours = RawPeer.accept(listener)) {
                // the speaker's OPEN first: the scenario is both connections in OpenSent (§6.8); an inbound one that
                // arrived while the outbound connect was still being confirmed would replace it instead
                assertThat(ours.receive()).as("the speaker's OPEN on its own connection").isInstanceOf(BgpMessage.Open.class);
                try (RawPeer theirs = connect(peer)) {
                // the OPEN arrives first on the connection that loses: RFC 4271 §8.2.2 (OpenSent, OPEN received)
                // runs collision detection before the KEEPALIVE, so a loser never sees one and never gets Established
                ours.send(RawPeer.standardOpen(65010, highId));
                BgpMessage answer = ours.receive();
                assertThat(answer).as("the losing connection's first answer").isInstanceOf(BgpMessage.Notification.class);
                assertThat(((BgpMessage.Notification) answer).subcode()).isEqualTo(7); // RFC 4486: Connection Collision Resolution
                theirs.send(RawPeer.standardOpen(65010, highId));
                assertThat(theirs.receive()).as("the surviving connection's answer").isInstanceOf(BgpMessage.Keepalive.class);
                theirs.send(BgpMessage.Keepalive.INSTANCE);
                awaitRoute(theirs);
                Poll.until("the peer is Established once", T, () -> status(peer).established());
                assertThat(status(peer).establishedTransitions()).isEqualTo(1);
                }
            } finally {
                speaker.removePeer(peer);
            }
        }
    }

    /** An OPEN with graceful restart (RFC 4724), so that a second connection may be a restart. */
    static BgpMessage.Open grOpen(Inet4Address peer) {
        return RawPeer.open(65010, SessionErrorTest.id(peer), 90, new Capability.Multiprotocol(Family.IPV4_UNICAST),
                new Capability.FourOctetAs(65010), new Capability.RouteRefreshSupport(),
                new Capability.GracefulRestart(false, false, 120, List.of(new Capability.GrFamily(Family.IPV4_UNICAST, true))));
    }

    static RawPeer establishedGrSession(Inet4Address peer) throws Exception {
        RawPeer p = connect(peer);
        p.send(grOpen(peer));
        assertThat(p.receive()).isInstanceOf(BgpMessage.Keepalive.class);
        p.send(BgpMessage.Keepalive.INSTANCE);
        awaitRoute(p);
        Poll.until("the peer is Established", T, () -> status(peer).established());
        return p;
    }

    @Test
    void aConnectThePeerGaveUpOnDoesNotEndAnEstablishedGracefulRestartSession() throws Exception {
        Inet4Address peer = newPassivePeer();
        try (RawPeer session = establishedGrSession(peer)) {
            long ups = status(peer).establishedTransitions();
            RawPeer late = connect(peer); // the speaker answers it with an OPEN, as a restart would need
            try {
                assertThat(status(peer).established()).isTrue();
            } finally {
                late.close(); // without an OPEN: the peer gave up on this connect
            }
            // the old connection still works: a ROUTE-REFRESH (RFC 2918) on it is answered with the route again
            session.send(new BgpMessage.RouteRefresh(Family.IPV4_UNICAST));
            awaitRoute(session);
            assertThat(status(peer).establishedTransitions()).as("the session never went down").isEqualTo(ups);
            assertThat(status(peer).established()).isTrue();
        }
    }

    /** The peer restarts: an OPEN on a new connection ends {@code old}'s session, and the new one carries it on. */
    static void restartOnANewConnection(Inet4Address peer, RawPeer old) throws Exception {
        long ups = status(peer).establishedTransitions();
        try (RawPeer restarted = connect(peer)) {
            restarted.send(grOpen(peer));
            assertThat(restarted.receive()).isInstanceOf(BgpMessage.Keepalive.class);
            assertThat(old.closedBySpeaker()).as("the old session's connection is closed").isTrue();
            restarted.send(BgpMessage.Keepalive.INSTANCE);
            awaitRoute(restarted);
            Poll.until("the session is up again on the new connection", T,
                    () -> status(peer).established() && status(peer).establishedTransitions() == ups + 1);
        }
    }

    @Test
    void anOpenOnANewConnectionWhileEstablishedIsAGracefulRestart() throws Exception {
        Inet4Address peer = newPassivePeer();
        try (RawPeer old = establishedGrSession(peer)) {
            restartOnANewConnection(peer, old);
        }
    }

    @Test
    void aRestartAfterAConnectThePeerGaveUpOnIsStillARestart() throws Exception {
        Inet4Address peer = newPassivePeer();
        try (RawPeer old = establishedGrSession(peer)) {
            connect(peer).close(); // a given-up connect: the second FSM's connection dies before it brings an OPEN
            Poll.until("the speaker saw the given-up connection close", T,
                    () -> String.valueOf(status(peer).lastError()).contains("closed by peer"));
            // the second FSM went with its connection, so the peer's real restart is taken, not refused as a third
            restartOnANewConnection(peer, old);
        }
    }
}
