package dev.viaduct.bfd;

import static dev.viaduct.bfd.Daemons.T;
import static dev.viaduct.bfd.Loopback.ip;
import static dev.viaduct.bfd.TwoNodes.A4;
import static dev.viaduct.bfd.TwoNodes.A6;
import static dev.viaduct.bfd.TwoNodes.B4;
import static dev.viaduct.bfd.TwoNodes.B6;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bfd.packet.AuthKey;
import dev.viaduct.bfd.packet.AuthType;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Interop with BIRD 2.0.12's BFD: BIRD runs in node B, a Viaduct manager in node A, joined by veths. Sessions
 * over IPv4, IPv6 and (on a second link) IPv4 with meticulous keyed SHA1 come up on both sides with the fast
 * timers; a frozen BIRD is detected within the detection time; our AdminDown takes BIRD's session down; crafted
 * malformed packets from BIRD's address are counted and change nothing.
 */
@Tag("root")
class BirdInteropTest {
    static final InetAddress A_AUTH = ip("10.202.0.1");
    static final InetAddress B_AUTH = ip("10.202.0.2");
    static final AuthKey KEY = AuthKey.of(AuthType.METICULOUS_KEYED_SHA1, 5, "interop-sha1");

    @RegisterExtension
    static Netns netns = Netns.perClass();

    static TwoNodes nodes;
    static Daemons.Bird bird;
    static BfdManager viaduct;
    static Events events;
    static SessionKey v4;
    static SessionKey v6;
    static SessionKey authenticated;

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        nodes = TwoNodes.create(netns);
        netns.execOk(nodes.a, "ip", "link", "add", "va2", "type", "veth", "peer", "name", "vb2", "netns", nodes.b);
        netns.execOk(nodes.a, "ip", "addr", "add", "10.202.0.1/24", "dev", "va2");
        netns.execOk(nodes.b, "ip", "addr", "add", "10.202.0.2/24", "dev", "vb2");
        netns.execOk(nodes.a, "ip", "link", "set", "va2", "up");
        netns.execOk(nodes.b, "ip", "link", "set", "vb2", "up");
        bird = Daemons.startBird(netns, nodes.b, """
                router id 10.201.0.2;
                log stderr all;
                protocol device {}
                protocol bfd bfd1 {
                  interface "vb" { interval 100 ms; multiplier 3; };
                  interface "vb2" {
                    interval 100 ms; multiplier 3;
                    authentication meticulous keyed sha1;
                    password "interop-sha1" { id 5; };
                  };
                  neighbor 10.201.0.1 dev "vb" local 10.201.0.2;
                  neighbor fd00:bfd::1 dev "vb" local fd00:bfd::2;
                  neighbor 10.202.0.1 dev "vb2" local 10.202.0.2;
                }
                """);
        viaduct = BfdManager.start(BfdManager.Options.defaults().named("viaduct").inNamespace(nodes.pathA()));
        events = new Events(viaduct);
        v4 = viaduct.addSession(SessionConfig.builder(B4, A4).interfaceName("va").build());
        v6 = viaduct.addSession(SessionConfig.builder(B6, A6).build());
        authenticated = viaduct.addSession(SessionConfig.builder(B_AUTH, A_AUTH).auth(KEY).build());
    }

    @AfterAll
    static void stop() {
        if (bird != null) {
            Daemons.thaw(bird.process());
        }
        if (events != null) {
            events.close();
        }
        if (viaduct != null) {
            viaduct.close();
        }
        if (bird != null) {
            Daemons.deleteTree(bird.dir());
        }
    }

    @BeforeEach
    void allUp() {
        for (SessionKey k : List.of(v4, v6, authenticated)) {
            Poll.until(k + " up", T, () -> viaduct.session(k).orElseThrow().state() == BfdState.UP);
        }
    }

    @Test
    void sessionsComeUpOnBothSidesWithTheFastTimers() {
        for (SessionKey k : List.of(v4, v6, authenticated)) {
            SessionStatus s = Poll.until(k + " on BIRD's fast timers", T, () -> viaduct.session(k).orElseThrow(),
                    st -> st.session().detectionTime().equals(Duration.ofMillis(300)) && !st.session().pollActive());
            assertThat(s.session().transmitInterval()).isEqualTo(Duration.ofMillis(100));
        }
        // other tests inject into v4; the authenticated session may legitimately drop a restarted BIRD's first
        // packets as out of the sequence window (RFC 5880 §6.7.3), but never fails a digest
        assertThat(viaduct.session(v6).orElseThrow().counters().discarded()).isEmpty();
        assertThat(viaduct.session(authenticated).orElseThrow().counters().discarded(DiscardReason.AUTH_FAILED)).isZero();
        for (String neighbour : List.of("10.201.0.1", "fd00:bfd::1", "10.202.0.1")) {
            Poll.until("BIRD sees " + neighbour + " Up", T, () -> bird.sessionState(neighbour), Optional.of("Up")::equals);
        }
        assertThat(viaduct.session(authenticated).orElseThrow().authenticated()).isTrue();
    }

    @Test
    void frozenBirdIsDetectedWithinTheDetectionTime() {
        int mark = events.settledUp("earlier changes of the v4 session delivered", T, v4);
        long frozenAt = System.nanoTime();
        Daemons.freeze(bird.process());
        try {
            StateChange down = events.await("v4 down after SIGSTOP", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.DOWN);
            double ms = (down.nanoTime() - frozenAt) / 1e6;
            System.out.printf("BIRD frozen (SIGSTOP): Viaduct declared it down after %.1f ms (detection time 300 ms)%n", ms);
            assertThat(down.diagnostic()).isEqualTo(Diagnostic.CONTROL_DETECTION_TIME_EXPIRED);
            assertThat(down.signal()).isEqualTo(StateChange.ClientSignal.PATH_DOWN);
            assertThat(ms).isLessThan(2_000); // functional bound: BFD, not a hold timer; the figure is benchmarked
            events.await("v6 down", T, mark, c -> c.session().equals(v6) && c.to() == BfdState.DOWN);
            events.await("authenticated down", T, mark, c -> c.session().equals(authenticated) && c.to() == BfdState.DOWN);
        } finally {
            Daemons.thaw(bird.process());
        }
        events.await("v4 up again after SIGCONT", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.UP);
    }

    @Test
    void disablingBirdsBfdProtocolSilencesItWithoutAdminDown() {
        // BIRD 2.0.12 has no AdminDown: "disable" removes its sessions without a last packet (proto/bfd/bfd.c,
        // bfd_shutdown -> bfd_remove_session), so to us it is indistinguishable from a dead peer.
        int mark = events.settledUp("earlier changes of the v4 session delivered", T, v4);
        assertThat(bird.cli("disable", "bfd1")).contains("disabled");
        try {
            StateChange down = events.await("v4 down after disable", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.DOWN);
            assertThat(down.diagnostic()).isEqualTo(Diagnostic.CONTROL_DETECTION_TIME_EXPIRED);
            assertThat(down.remoteAdminDown()).isFalse();
        } finally {
            bird.cli("enable", "bfd1");
        }
        events.await("v4 up after enable", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.UP);
    }

    @Test
    void ourAdminDownTakesBirdsSessionDown() {
        viaduct.adminDown(v4);
        try {
            Poll.until("BIRD shows 10.201.0.1 Down", T, () -> bird.sessionState("10.201.0.1"), Optional.of("Down")::equals);
            assertThat(viaduct.session(v4).orElseThrow().state()).isEqualTo(BfdState.ADMIN_DOWN);
            // the other sessions are unaffected
            assertThat(bird.sessionState("fd00:bfd::1")).contains("Up");
        } finally {
            viaduct.adminUp(v4);
        }
        Poll.until("BIRD shows 10.201.0.1 Up again", T, () -> bird.sessionState("10.201.0.1"), Optional.of("Up")::equals);
    }

    @Test
    void malformedPacketsFromBirdsAddressAreCountedAndChangeNothing() throws Exception {
        int mark = events.settledUp("earlier changes of the v4 session delivered", T, v4);
        SessionStatus before = viaduct.session(v4).orElseThrow();
        Malformed.inject(nodes.pathB(), B4, A4, before.session().remoteDiscriminator(), before.session().localDiscriminator());
        Map<DiscardReason, byte[]> sent = Malformed.packets(1, 1);
        SessionStatus after = Poll.until("every malformed packet counted", T, () -> viaduct.session(v4).orElseThrow(),
                st -> st.counters().discardedTotal() - before.counters().discardedTotal() == sent.size() + 1);
        for (DiscardReason r : sent.keySet()) {
            assertThat(after.counters().discarded(r) - before.counters().discarded(r)).as(r.toString()).isEqualTo(1);
        }
        assertThat(after.counters().discarded(DiscardReason.TTL_NOT_255) - before.counters().discarded(DiscardReason.TTL_NOT_255)).isEqualTo(1);
        assertThat(after.state()).isEqualTo(BfdState.UP);
        assertThat(events.seen.subList(mark, events.size())).noneMatch(c -> c.session().equals(v4));
        assertThat(bird.sessionState("10.201.0.1")).contains("Up");
    }
}
