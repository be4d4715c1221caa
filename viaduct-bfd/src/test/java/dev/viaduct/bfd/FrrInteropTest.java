package dev.viaduct.bfd;

import static dev.viaduct.bfd.Daemons.T;
import static dev.viaduct.bfd.TwoNodes.A4;
import static dev.viaduct.bfd.TwoNodes.A6;
import static dev.viaduct.bfd.TwoNodes.B4;
import static dev.viaduct.bfd.TwoNodes.B6;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.packet.Diagnostic;
import dev.viaduct.bfd.packet.DiscardReason;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
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
 * Interop with FRR 8.4's bfdd (run without zebra) in node B and a Viaduct manager in node A: IPv4 and IPv6
 * sessions come up on both sides with the fast timers; a frozen bfdd is detected within the detection time;
 * FRR's {@code shutdown} reaches us as AdminDown (not a failure, RFC 5882 §3.2) and ours reaches FRR as
 * "administratively down"; crafted malformed packets from FRR's address are counted and change nothing.
 */
@Tag("root")
class FrrInteropTest {
    @RegisterExtension
    static Netns netns = Netns.perClass();

    static TwoNodes nodes;
    static Daemons.Frr frr;
    static BfdManager viaduct;
    static Events events;
    static SessionKey v4;
    static SessionKey v6;

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        nodes = TwoNodes.create(netns);
        frr = Daemons.startFrr(netns, nodes.b, """
                bfd
                 peer 10.201.0.1 local-address 10.201.0.2
                  receive-interval 100
                  transmit-interval 100
                  detect-multiplier 3
                 !
                 peer fd00:bfd::1 local-address fd00:bfd::2
                  receive-interval 100
                  transmit-interval 100
                  detect-multiplier 3
                 !
                !
                """);
        viaduct = BfdManager.start(BfdManager.Options.defaults().named("viaduct").inNamespace(nodes.pathA()));
        events = new Events(viaduct);
        v4 = viaduct.addSession(SessionConfig.builder(B4, A4).build());
        v6 = viaduct.addSession(SessionConfig.builder(B6, A6).build());
    }

    @AfterAll
    static void stop() {
        if (frr != null) {
            Daemons.thaw(frr.process());
        }
        if (events != null) {
            events.close();
        }
        if (viaduct != null) {
            viaduct.close();
        }
        if (frr != null) {
            Daemons.deleteTree(frr.dir());
        }
    }

    @BeforeEach
    void allUp() {
        for (SessionKey k : List.of(v4, v6)) {
            Poll.until(k + " up", T, () -> viaduct.session(k).orElseThrow().state() == BfdState.UP);
        }
    }

    @Test
    void sessionsComeUpOnBothSidesWithTheFastTimers() {
        for (SessionKey k : List.of(v4, v6)) {
            SessionStatus s = Poll.until(k + " on FRR's fast timers", T, () -> viaduct.session(k).orElseThrow(),
                    st -> st.session().detectionTime().equals(Duration.ofMillis(300)) && !st.session().pollActive());
            assertThat(s.session().transmitInterval()).isEqualTo(Duration.ofMillis(100));
        }
        assertThat(viaduct.session(v6).orElseThrow().counters().discarded()).isEmpty();
        for (String peer : List.of("10.201.0.1", "fd00:bfd::1")) {
            Poll.until("FRR sees " + peer + " up", T, () -> frr.peerField(peer, "status"), Optional.of("up")::equals);
            assertThat(frr.peerField(peer, "remote-receive-interval")).contains("100");
            assertThat(frr.peerField(peer, "remote-detect-multiplier")).contains("3");
        }
    }

    @Test
    void frozenBfddIsDetectedWithinTheDetectionTime() {
        int mark = events.settledUp("earlier changes of the v4 session delivered", T, v4);
        long frozenAt = System.nanoTime();
        Daemons.freeze(frr.process());
        try {
            StateChange down = events.await("v4 down after SIGSTOP", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.DOWN);
            double ms = (down.nanoTime() - frozenAt) / 1e6;
            System.out.printf("FRR bfdd frozen (SIGSTOP): Viaduct declared it down after %.1f ms (detection time 300 ms)%n", ms);
            assertThat(down.diagnostic()).isEqualTo(Diagnostic.CONTROL_DETECTION_TIME_EXPIRED);
            assertThat(down.signal()).isEqualTo(StateChange.ClientSignal.PATH_DOWN);
            assertThat(ms).isLessThan(2_000); // functional bound: BFD, not a hold timer; the figure is benchmarked
        } finally {
            Daemons.thaw(frr.process());
        }
        events.await("v4 up again after SIGCONT", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.UP);
    }

    @Test
    void frrShutdownIsSeenAsAdminDownNotAFailure() {
        int mark = events.settledUp("earlier changes of the v4 session delivered", T, v4);
        frr.vtysh("configure terminal", "bfd", "peer 10.201.0.1 local-address 10.201.0.2", "shutdown");
        try {
            StateChange down = events.await("v4 down after FRR shutdown", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.DOWN);
            assertThat(down.remoteAdminDown()).isTrue();
            assertThat(down.diagnostic()).isEqualTo(Diagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN);
            assertThat(down.signal()).isEqualTo(StateChange.ClientSignal.ADMIN_DOWN);
            SessionStatus s = viaduct.session(v4).orElseThrow();
            assertThat(s.session().remoteState()).isEqualTo(BfdState.ADMIN_DOWN);
            // FRR 8.4 sends its AdminDown with diagnostic 0, not 7 (seen with tcpdump); the State field is what counts
            assertThat(s.session().remoteDiagnostic()).isEqualTo(Diagnostic.NONE);
            assertThat(viaduct.session(v6).orElseThrow().state()).isEqualTo(BfdState.UP);
        } finally {
            frr.vtysh("configure terminal", "bfd", "peer 10.201.0.1 local-address 10.201.0.2", "no shutdown");
        }
        events.await("v4 up after no shutdown", T, mark, c -> c.session().equals(v4) && c.to() == BfdState.UP);
    }

    @Test
    void ourAdminDownTakesFrrsSessionDown() {
        viaduct.adminDown(v4);
        try {
            Poll.until("FRR shows 10.201.0.1 down", T, () -> frr.peerField("10.201.0.1", "status"), Optional.of("down")::equals);
            assertThat(frr.peerField("10.201.0.1", "remote-diagnostic")).contains("administratively down");
            assertThat(frr.peerField("10.201.0.1", "diagnostic")).contains("neighbor signaled session down");
            assertThat(frr.peerField("fd00:bfd::1", "status")).contains("up");
        } finally {
            viaduct.adminUp(v4);
        }
        Poll.until("FRR shows 10.201.0.1 up again", T, () -> frr.peerField("10.201.0.1", "status"), Optional.of("up")::equals);
    }

    @Test
    void malformedPacketsFromFrrsAddressAreCountedAndChangeNothing() throws Exception {
        int mark = events.settledUp("earlier changes of the v4 session delivered", T, v4);
        SessionStatus before = viaduct.session(v4).orElseThrow();
        Malformed.inject(nodes.pathB(), B4, A4, before.session().remoteDiscriminator(), before.session().localDiscriminator());
        Map<DiscardReason, byte[]> sent = Malformed.packets(1, 1);
        SessionStatus after = Poll.until("every malformed packet counted", T, () -> viaduct.session(v4).orElseThrow(),
                st -> st.counters().discardedTotal() - before.counters().discardedTotal() == sent.size() + 1);
        for (DiscardReason r : sent.keySet()) {
            assertThat(after.counters().discarded(r) - before.counters().discarded(r)).as(r.toString()).isEqualTo(1);
        }
        assertThat(after.state()).isEqualTo(BfdState.UP);
        assertThat(events.seen.subList(mark, events.size())).noneMatch(c -> c.session().equals(v4));
        assertThat(frr.peerField("10.201.0.1", "status")).contains("up");
    }
}
