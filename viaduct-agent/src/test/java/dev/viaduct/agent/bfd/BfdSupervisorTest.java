package dev.viaduct.agent.bfd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.bfd.BfdPeers.Peer;
import dev.viaduct.agent.bfd.BfdSupervisor.PathDown;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.bfd.daemon.BfdDaemon;
import dev.viaduct.bfd.daemon.FakeEngine;
import dev.viaduct.bfd.packet.BfdState;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent's side: which peers are path-down, from bfdd's events and Welcome, across agent restarts and daemon
 * replacements (a real daemon on a unix socket, with a fake BFD engine the test drives). The supervisor's only
 * seams are the ones the agent wires: {@code setPeers} in, {@code onPathDown} out.
 */
class BfdSupervisorTest {
    static final Duration T = Duration.ofSeconds(10);
    static final Uplink UPLINK = new Uplink("eth0", 2, 1500, List.of(IpPrefix.parse("10.9.0.1/24")));
    static final InetAddress N2 = InetAddress.ofLiteral("10.9.0.2");
    static final InetAddress N3 = InetAddress.ofLiteral("10.9.0.3");
    static final List<Peer> PEERS = List.of(new Peer("n2", N2), new Peer("n3", N3), new Peer("far", InetAddress.ofLiteral("10.8.0.9")));

    Path dir;
    Path socket;
    FakeEngine engine;
    BfdDaemon daemon;
    final List<BfdSupervisor> supervisors = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("bfdsup-test");
        socket = dir.resolve("bfdd.sock");
        engine = new FakeEngine();
        daemon = BfdDaemon.start(new BfdDaemon.Options(socket, Duration.ofMillis(50)), engine);
    }

    @AfterEach
    void stop() throws IOException {
        supervisors.forEach(BfdSupervisor::close);
        daemon.close();
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    BfdSupervisor supervisor(List<PathDown> changes) {
        BfdSupervisor s = new BfdSupervisor(socket, Timers.of(Duration.ofMillis(100), 3), () -> UPLINK, "n1", Optional.empty());
        s.onPathDown(changes::add);
        s.start();
        supervisors.add(s);
        return s;
    }

    void awaitSessions(FakeEngine e, int n) {
        Poll.until(n + " sessions in the engine", T, () -> {
            synchronized (e) {
                return e.sessions.size() == n;
            }
        });
    }

    @Test
    void aPathFailureIsReportedOnceAndClearedWhenUpAgain() {
        List<PathDown> changes = new CopyOnWriteArrayList<>();
        BfdSupervisor s = supervisor(changes);
        s.setPeers(PEERS);
        awaitSessions(engine, 2); // "far" is not on-link: no session
        Poll.until("far reported as skipped", T, () -> s.skipped().containsKey("far"));
        engine.change(N2, BfdState.INIT, false);
        engine.change(N2, BfdState.UP, false);
        engine.change(N3, BfdState.UP, false);
        Poll.until("both sessions Up in the supervisor's view", T,
                () -> s.sessions().stream().filter(v -> v.state() == BfdState.UP).count() == 2);
        assertThat(changes).isEmpty();

        engine.change(N2, BfdState.DOWN, false);
        Poll.until("n2 path-down", T, () -> changes.size() == 1);
        assertThat(changes.getFirst().names()).containsExactly("n2");
        assertThat(changes.getFirst().addresses()).containsExactly(N2);
        assertThat(changes.getFirst().newlyDown()).extracting(Peer::name).containsExactly("n2");
        assertThat(changes.getFirst().reason()).contains("UP->DOWN");
        assertThat(s.pathDown()).extracting(Peer::address).containsExactly(N2);

        engine.change(N2, BfdState.INIT, false);
        engine.change(N2, BfdState.UP, false);
        Poll.until("n2 up again", T, () -> changes.size() == 2);
        assertThat(changes.get(1).down()).isEmpty();
        assertThat(s.pathDown()).isEmpty();
    }

    @Test
    void aPeerSwitchingBfdOffIsNoFailure() {
        List<PathDown> changes = new CopyOnWriteArrayList<>();
        BfdSupervisor s = supervisor(changes);
        s.setPeers(PEERS);
        awaitSessions(engine, 2);
        engine.change(N2, BfdState.UP, false);
        engine.change(N2, BfdState.DOWN, true);
        Poll.until("the supervisor saw the AdminDown", T,
                () -> s.sessions().stream().anyMatch(v -> v.peer().equals(N2) && v.remoteState() == BfdState.ADMIN_DOWN));
        assertThat(changes).isEmpty();
        assertThat(s.pathDown()).isEmpty();
    }

    @Test
    void aRestartedAgentLearnsThePathDownPeersFromTheDaemon() {
        List<PathDown> first = new CopyOnWriteArrayList<>();
        BfdSupervisor a = supervisor(first);
        a.setPeers(PEERS);
        awaitSessions(engine, 2);
        engine.change(N3, BfdState.UP, false);
        engine.change(N3, BfdState.DOWN, false);
        Poll.until("n3 path-down in the first agent", T, () -> first.size() == 1);
        a.close(); // the agent stops (or is killed): the daemon keeps its sessions
        assertThat(engine.calls).doesNotContain("remove 10.9.0.3", "close");

        List<PathDown> second = new CopyOnWriteArrayList<>();
        BfdSupervisor b = supervisor(second); // no peers yet: the Welcome alone says who is down
        Poll.until("the new agent learns n3 is path-down", T, () -> !second.isEmpty());
        assertThat(second.getFirst().names()).containsExactly("n3");
        b.setPeers(PEERS);
        Poll.until("the new agent keeps it after sending its set", T, () -> b.pathDown().size() == 1);
        assertThat(engine.calls).containsExactly("add 10.9.0.2", "add 10.9.0.3");
    }

    @Test
    void aReplacedDaemonDoesNotForgetAFailure() throws Exception {
        List<PathDown> changes = new CopyOnWriteArrayList<>();
        BfdSupervisor s = supervisor(changes);
        s.setPeers(PEERS);
        awaitSessions(engine, 2);
        engine.change(N2, BfdState.UP, false);
        engine.change(N2, BfdState.DOWN, false);
        Poll.until("n2 path-down", T, () -> changes.size() == 1);

        assertThat(s.daemonLostSince()).isEmpty();
        long beforeDeath = System.nanoTime();
        daemon.close(); // the daemon dies; a new one (fresh sessions, all Down) takes over the socket
        Poll.until("the lost daemon shows", T, () -> s.daemonLostSince().isPresent());
        assertThat(s.daemonLostSince().getAsLong()).isGreaterThanOrEqualTo(beforeDeath);
        FakeEngine fresh = new FakeEngine();
        daemon = BfdDaemon.start(new BfdDaemon.Options(socket, Duration.ofMillis(50)), fresh);
        awaitSessions(fresh, 2);
        Poll.until("reconnected to the new daemon", T, () -> s.daemonConnected() && s.sessions().size() == 2);
        assertThat(s.daemonLostSince()).as("connected again: nothing owed").isEmpty();
        assertThat(s.pathDown()).as("a fresh Down session is no proof the peer is back").extracting(Peer::name).containsExactly("n2");

        fresh.change(N2, BfdState.INIT, false);
        fresh.change(N2, BfdState.UP, false);
        Poll.until("n2 up on the new daemon", T, () -> s.pathDown().isEmpty());
    }

    @Test
    void aPeerThatNoLongerWantsBfdLeavesThePathDownSet() {
        List<PathDown> changes = new CopyOnWriteArrayList<>();
        BfdSupervisor s = supervisor(changes);
        s.setPeers(PEERS);
        awaitSessions(engine, 2);
        engine.change(N2, BfdState.UP, false);
        engine.change(N2, BfdState.DOWN, false);
        Poll.until("n2 path-down", T, () -> s.pathDown().size() == 1);
        s.setPeers(List.of(new Peer("n3", N3)));
        Poll.until("n2 released", T, () -> s.pathDown().isEmpty());
        awaitSessions(engine, 1);
        assertThat(engine.calls).contains("remove 10.9.0.2");
    }

    @Test
    void statusCarriesTheFieldsCtlReads() {
        BfdSupervisor s = supervisor(new CopyOnWriteArrayList<>());
        s.setPeers(PEERS);
        awaitSessions(engine, 2);
        engine.change(N2, BfdState.UP, false);
        Poll.until("n2 Up", T, () -> s.sessions().stream().anyMatch(v -> v.state() == BfdState.UP));
        ObjectNode o = JsonMapper.builder().build().createObjectNode();
        BfdSupervisor.writeStatus(o, s);
        var n2 = o.get("bfd").get(0);
        assertThat(n2.get("name").asString()).isEqualTo("n2");
        for (String f : List.of("peer", "name", "state", "remoteState", "txIntervalMs", "rxIntervalMs", "detectMs", "lastStateChange",
                "packetsIn", "packetsOut", "discarded")) {
            assertThat(n2.has(f)).as("field %s", f).isTrue();
        }
        assertThat(n2.get("state").asString()).isEqualTo("UP");
        assertThat(n2.get("txIntervalMs").asLong()).isEqualTo(100);
        assertThat(n2.get("detectMs").asLong()).isEqualTo(300);
        assertThat(o.get("bfdDaemon").get("connected").asBoolean()).isTrue();
        assertThat(o.get("bfdSkipped").has("far")).isTrue();

        ObjectNode off = JsonMapper.builder().build().createObjectNode();
        BfdSupervisor.writeStatus(off, null);
        assertThat(off.get("bfd").isEmpty()).isTrue();
        assertThat(off.get("bfdDaemon").get("enabled").asBoolean()).isFalse();
    }
}
