package dev.viaduct.bgp.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.PeerStatus;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.UniqueNames;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * BGP sessions with TCP MD5 between network namespaces joined by veths, each speaker's sockets made inside
 * its own namespace ({@link TcpMd5Transport#inNamespace}): the same password establishes over IPv4 and IPv6
 * and routes flow; a wrong password, or a password on one side only, never establishes — the kernels drop the
 * segments and count them (TcpExt TCPMD5Failure / TCPMD5Unexpected / TCPMD5NotFound) — and BIRD with
 * {@code password "..."} peers with us. Every scenario has its own pair of namespaces and they all start in
 * {@link #start}, so the negative scenarios' observation windows run while the positive ones establish.
 */
@Tag("root")
class Md5SessionTest {
    static final Duration T = Duration.ofSeconds(40);
    /** Hold time of the sessions that must not come up: the window below is three of them. */
    static final int SHORT_HOLD = 3;
    static final Duration WINDOW = Duration.ofSeconds(3L * SHORT_HOLD);
    static final int PORT = 1790;

    @RegisterExtension
    static Netns fixture = Netns.perClass();

    static final List<AutoCloseable> CLEANUP = Collections.synchronizedList(new ArrayList<>());
    static long startedNanos;

    /** One namespace pair joined by a veth: side a is .1 / ::1, side b is .2 / ::2 of the subnets. */
    record Pair(String a, String b, String net4, String net6) {
        InetAddress a4() {
            return addr(net4 + "1");
        }

        InetAddress b4() {
            return addr(net4 + "2");
        }

        InetAddress a6() {
            return addr(net6 + "1");
        }

        InetAddress b6() {
            return addr(net6 + "2");
        }
    }

    /** A speaker plus every FSM state its peers ever entered. */
    record Node(BgpSpeaker speaker, Set<String> statesSeen) {
    }

    static Pair good;
    static Pair wrong;
    static Pair oneSided;
    static Pair withBird;
    static Node goodA;
    static Node goodB;
    static Node wrongA;
    static Node wrongB;
    static Node oneSidedA;
    static Node oneSidedB;
    static Node birdPeer;
    static Node birdWrongPeer;
    static Path birdSocket;
    static Map<String, Map<String, Long>> countersBefore = new HashMap<>();

    static InetAddress addr(String s) {
        return IpAddresses.parse(s);
    }

    @BeforeAll
    static void start() throws Exception {
        Netns.requireRoot();
        good = pair("good", 1);
        wrong = pair("wrong", 2);
        oneSided = pair("onesided", 3);
        withBird = pair("bird", 4);
        // a second address on the speaker side of the BIRD pair, for the session with the wrong password
        fixture.execOk(withBird.a(), "ip", "addr", "add", withBird.net4() + "3/24", "dev", "va");
        for (Pair p : List.of(wrong, oneSided, withBird)) {
            countersBefore.put(p.a(), md5Counters(p.a()));
            countersBefore.put(p.b(), md5Counters(p.b()));
        }
        startedNanos = System.nanoTime();

        // the same password, one session over IPv4 and one over IPv6, listening dual-stack on [::]; B only
        // accepts, so A's connecting sockets and B's listener keys are what is tested (and no connection
        // collision can make the outcome depend on timing)
        goodA = node(good.a(), "::", 9, List.of(peer(good.b4(), "s3cret"), peer(good.b6(), "s3cret")));
        goodB = node(good.b(), "::", 9, List.of(passive(peer(good.a4(), "s3cret")), passive(peer(good.a6(), "s3cret"))));
        wrongA = node(wrong.a(), wrong.net4() + "1", SHORT_HOLD, List.of(peer(wrong.b4(), "alpha")));
        wrongB = node(wrong.b(), wrong.net4() + "2", SHORT_HOLD, List.of(peer(wrong.a4(), "bravo")));
        oneSidedA = node(oneSided.a(), oneSided.net4() + "1", SHORT_HOLD, List.of(peer(oneSided.b4(), "only-a-has-it")));
        oneSidedB = node(oneSided.b(), oneSided.net4() + "2", SHORT_HOLD, List.of(peer(oneSided.a4(), null)));

        Path dir = Files.createTempDirectory(UniqueNames.jvmPrefix() + "-md5bird-");
        CLEANUP.add(() -> {
            try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        });
        birdSocket = dir.resolve("bird.ctl");
        String conf = """
                router id %1$s2;
                log stderr all;
                protocol device {}
                protocol static s4 { ipv4; route 10.30.0.0/24 blackhole; }
                template bgp viaduct {
                  local %1$s2 port %2$d as 64512;
                  hold time 9;
                  connect retry time 1;
                  error wait time 1, 2;
                  ipv4 { import all; export all; next hop self; };
                  passive on;  # only we connect: our signed SYN must pass BIRD's listener key
                }
                protocol bgp good from viaduct { neighbor %1$s1 port %2$d as 64512; password "bird-and-viaduct"; }
                protocol bgp bad from viaduct { neighbor %1$s3 port %2$d as 64512; hold time %3$d; password "bird-side"; }
                """.formatted(withBird.net4(), PORT, SHORT_HOLD);
        Files.writeString(dir.resolve("bird.conf"), conf);
        Cmd.Result check = Cmd.run("bird", "-p", "-c", dir.resolve("bird.conf").toString());
        assertThat(check.ok()).as("BIRD accepts its config: " + check.stderr()).isTrue();
        fixture.spawn(withBird.b(), dir.resolve("bird.log"), "bird", "-f", "-c", dir.resolve("bird.conf").toString(),
                "-s", birdSocket.toString(), "-P", dir.resolve("bird.pid").toString());
        birdPeer = node(withBird.a(), withBird.net4() + "1", 9, List.of(peer(withBird.b4(), "bird-and-viaduct")));
        birdWrongPeer = node(withBird.a(), withBird.net4() + "3", SHORT_HOLD, List.of(peer(withBird.b4(), "viaduct-side")));
    }

    @AfterAll
    static void stop() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(CLEANUP);
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            c.close();
        }
    }

    static Pair pair(String label, int n) {
        String a = fixture.create("md5" + label + "a");
        String b = fixture.create("md5" + label + "b");
        fixture.execOk(a, "ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b);
        String net4 = "10.203." + n + ".";
        String net6 = "fd03:" + n + "::";
        fixture.execOk(a, "ip", "addr", "add", net4 + "1/24", "dev", "va");
        fixture.execOk(b, "ip", "addr", "add", net4 + "2/24", "dev", "vb");
        fixture.execOk(a, "ip", "addr", "add", net6 + "1/64", "dev", "va", "nodad");
        fixture.execOk(b, "ip", "addr", "add", net6 + "2/64", "dev", "vb", "nodad");
        fixture.execOk(a, "ip", "link", "set", "va", "up");
        fixture.execOk(b, "ip", "link", "set", "vb", "up");
        return new Pair(a, b, net4, net6);
    }

    static PeerConfig peer(InetAddress address, String password) {
        return PeerConfig.builder(address, 64512).port(PORT).password(password)
                .families(EnumSet.of(Family.IPV4_UNICAST, Family.IPV6_UNICAST)).build();
    }

    static PeerConfig passive(PeerConfig p) {
        return p.toBuilder().passive(true).build();
    }

    static Node node(String ns, String listen, int hold, List<PeerConfig> peers) throws IOException {
        InetAddress l = addr(listen);
        // the router ID must be a non-zero IPv4 address; for a dual-stack listener take the first peer's family mate
        Inet4Address routerId = l instanceof Inet4Address v4 ? v4 : (Inet4Address) addr("10.203.0." + (1 + CLEANUP.size()));
        var cfg = SpeakerConfig.builder(64512, routerId).listen(new InetSocketAddress(l, PORT)).holdTime(hold)
                .connectRetrySeconds(1).idleHoldSeconds(1);
        for (PeerConfig p : peers) {
            cfg.peer(p);
        }
        BgpSpeaker s = BgpSpeaker.start(cfg.build(), TcpMd5Transport.inNamespace(Netns.path(ns)), NextHopResolver.ALL_REACHABLE, System::nanoTime);
        CLEANUP.add(s);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        s.onPeerStateChange(c -> seen.add(c.to()));
        return new Node(s, seen);
    }

    /** The TcpExt TCPMD5* counters of a namespace ({@code /proc/net/netstat} is per network namespace). */
    static Map<String, Long> md5Counters(String ns) {
        List<String> lines = fixture.execOk(ns, "cat", "/proc/net/netstat").lines().filter(l -> l.startsWith("TcpExt:")).toList();
        String[] names = lines.get(0).split("\\s+");
        String[] values = lines.get(1).split("\\s+");
        Map<String, Long> m = new HashMap<>();
        for (int i = 1; i < names.length; i++) {
            if (names[i].startsWith("TCPMD5")) {
                m.put(names[i], Long.parseLong(values[i]));
            }
        }
        return m;
    }

    static long moved(String ns, String counter) {
        return md5Counters(ns).getOrDefault(counter, 0L) - countersBefore.get(ns).getOrDefault(counter, 0L);
    }

    /** Addresses {@code ss} lists as MD5 peers (md5keys:ADDR/LEN=...) of the TCP sockets on {@code port} in {@code ns}. */
    static Set<String> md5Keys(String ns, String state, int port) {
        String out = fixture.execOk(ns, "ss", "-tnie", "state", state, "( sport = :" + port + " or dport = :" + port + " )");
        Set<String> keys = new LinkedHashSet<>();
        Matcher m = Pattern.compile("md5keys:(\\S+)").matcher(out);
        while (m.find()) {
            Matcher a = Pattern.compile("([0-9a-f.:]+)/\\d+=").matcher(m.group(1));
            while (a.find()) {
                keys.add(a.group(1));
            }
        }
        return keys;
    }

    static boolean allEstablished(BgpSpeaker s) {
        List<PeerStatus> ps = s.peers();
        return !ps.isEmpty() && ps.stream().allMatch(PeerStatus::established);
    }

    static boolean hasBest(BgpSpeaker s, String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return s.locRib(Family.of(p)).stream().anyMatch(r -> r.prefix().equals(p) && r.best());
    }

    static String bird(String... words) {
        String[] argv = new String[3 + words.length];
        argv[0] = "birdc";
        argv[1] = "-s";
        argv[2] = birdSocket.toString();
        System.arraycopy(words, 0, argv, 3, words.length);
        return Cmd.run(argv).stdout();
    }

    /** Watches {@code nodes} until the window since {@link #start} has passed, failing at once if any session comes up. */
    static void observeWindow(String what, Node... nodes) {
        Poll.until(what + " stays down for " + WINDOW.toSeconds() + " s (three hold times)", WINDOW.plusSeconds(20), () -> {
            for (Node n : nodes) {
                assertThat(n.statesSeen()).as(what).doesNotContain("OPENCONFIRM", "ESTABLISHED");
                assertThat(n.speaker().peers()).allSatisfy(p -> assertThat(p.messagesReceived()).as(what + ": no BGP message got through").isZero());
            }
            return System.nanoTime() - startedNanos >= WINDOW.toNanos();
        });
    }

    @Test
    void theSamePasswordEstablishesOverIpv4AndIpv6AndRoutesFlow() {
        Poll.until("both sessions (IPv4 and IPv6) up on both sides", T, () -> allEstablished(goodA.speaker()) && allEstablished(goodB.speaker()));
        goodA.speaker().originate(IpPrefix.parse("10.244.1.0/26"));
        goodB.speaker().originate(IpPrefix.parse("10.244.2.0/26"));
        goodB.speaker().originate(IpPrefix.parse("fd44:2::/64"));
        Poll.until("A's block at B", T, () -> hasBest(goodB.speaker(), "10.244.1.0/26"));
        Poll.until("B's blocks at A", T, () -> hasBest(goodA.speaker(), "10.244.2.0/26") && hasBest(goodA.speaker(), "fd44:2::/64"));
        // the kernel holds the keys: B's dual-stack listener one per peer (the IPv4 peer's, set IPv4-mapped, is
        // stored as an AF_INET key: tcp_v6_parse_md5_keys), and every session's socket its peer's
        assertThat(md5Keys(good.b(), "listening", PORT)).contains(good.a4().getHostAddress(), "fd03:1::1");
        assertThat(md5Keys(good.a(), "established", PORT)).contains(good.b4().getHostAddress(), "fd03:1::2");
        assertThat(md5Keys(good.b(), "established", PORT)).contains(good.a4().getHostAddress(), "fd03:1::1");
    }

    @Test
    void aWrongPasswordNeverEstablishesAndTheKernelsCountTheBadSignatures() {
        observeWindow("sessions with different passwords", wrongA, wrongB);
        assertThat(moved(wrong.b(), "TCPMD5Failure")).as("B dropped A's wrongly signed SYNs").isPositive();
        assertThat(moved(wrong.a(), "TCPMD5Failure")).as("A dropped B's wrongly signed SYNs").isPositive();
        assertThat(wrongA.speaker().peers().getFirst().established()).isFalse();
    }

    @Test
    void aPasswordOnOneSideOnlyNeverEstablishes() {
        observeWindow("a session with a password on one side only", oneSidedA, oneSidedB);
        assertThat(moved(oneSided.b(), "TCPMD5Unexpected")).as("B (no key) dropped A's signed SYNs").isPositive();
        assertThat(moved(oneSided.a(), "TCPMD5NotFound")).as("A (key) dropped B's unsigned SYNs").isPositive();
    }

    @Test
    void birdWithTheSamePasswordPeersAndRoutesFlowBothWays() {
        Poll.until("session with BIRD established on both ends", T,
                () -> allEstablished(birdPeer.speaker()) && bird("show", "protocols", "good").contains("Established"));
        birdPeer.speaker().originate(IpPrefix.parse("10.244.9.0/26"));
        Poll.until("BIRD's route in our Loc-RIB", T, () -> hasBest(birdPeer.speaker(), "10.30.0.0/24"));
        Poll.until("our block in BIRD's table", T, () -> bird("show", "route", "10.244.9.0/26", "all").contains("BGP.local_pref"));
        // BIRD's own socket carries the key for us: it really signs, it is not just us
        assertThat(md5Keys(withBird.b(), "established", PORT)).contains(withBird.net4() + "1");
    }

    @Test
    void birdWithADifferentPasswordNeverEstablishes() {
        observeWindow("the session with BIRD whose password differs", birdWrongPeer);
        assertThat(bird("show", "protocols", "bad")).doesNotContain("Established");
        assertThat(moved(withBird.b(), "TCPMD5Failure")).as("BIRD's kernel dropped our wrongly signed SYNs").isPositive();
    }

    @Test
    void aTooLongPasswordIsRefusedNamingThePeerAndLeavesNothingBehind() {
        BgpSpeaker s = goodA.speaker();
        int before = s.peers().size();
        PeerConfig bad = PeerConfig.builder(addr("fd03:1::99"), 64512).name("node:too-long").port(PORT).password("k".repeat(81)).build();
        assertThatThrownBy(() -> s.addPeer(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("peer node:too-long: password: TCP MD5 password for peer fd03:1:0:0:0:0:0:99: 81 bytes (UTF-8); "
                        + "Linux accepts at most 80 (TCP_MD5SIG_MAXKEYLEN, linux/tcp.h)");
        assertThat(s.peers()).hasSize(before).noneMatch(p -> p.name().equals("node:too-long"));
        assertThat(md5Keys(good.a(), "listening", PORT)).doesNotContain("fd03:1::99");
    }
}
