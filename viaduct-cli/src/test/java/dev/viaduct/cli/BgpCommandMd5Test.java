package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.UniqueNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The standalone speaker with TCP MD5 (RFC 2385): {@code viaduct bgp --config FILE} runs as its own JVM
 * ({@code dev.viaduct.cli.Main}, as {@code bin/viaduct} starts it) in a namespace, peering with BIRD in
 * another. With BIRD's password the session establishes and our configured route reaches BIRD; a second
 * speaker with a different password never gets a BGP message through, and BIRD's kernel counts the bad
 * signatures. Both speakers start in {@link #start}, so the negative window runs while the positive one
 * establishes.
 */
@Tag("root")
class BgpCommandMd5Test {
    static final Duration T = Duration.ofSeconds(60);
    static final int PORT = 1791;
    /** Hold time of the session that must not come up: the window below is three of them. */
    static final int SHORT_HOLD = 3;
    static final Duration WINDOW = Duration.ofSeconds(3L * SHORT_HOLD);

    @RegisterExtension
    static Netns fixture = Netns.perClass();

    static String speakerNs;
    static String birdNs;
    static Path dir;
    static Path goodLog;
    static Path wrongLog;
    static long startedNanos;
    static long md5FailuresBefore;

    @BeforeAll
    static void start() throws IOException {
        Netns.requireRoot();
        speakerNs = fixture.create("bgpmd5s");
        birdNs = fixture.create("bgpmd5b");
        fixture.execOk(speakerNs, "ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", birdNs);
        fixture.execOk(speakerNs, "ip", "addr", "add", "10.204.0.1/24", "dev", "va");
        fixture.execOk(speakerNs, "ip", "addr", "add", "10.204.0.3/24", "dev", "va");
        fixture.execOk(birdNs, "ip", "addr", "add", "10.204.0.2/24", "dev", "vb");
        fixture.execOk(speakerNs, "ip", "link", "set", "va", "up");
        fixture.execOk(birdNs, "ip", "link", "set", "vb", "up");
        md5FailuresBefore = md5Failures(birdNs);

        dir = Files.createTempDirectory(UniqueNames.jvmPrefix() + "-bgpmd5-");
        String bird = """
                router id 10.204.0.2;
                log stderr all;
                protocol device {}
                protocol static s4 { ipv4; route 10.31.0.0/24 blackhole; }
                template bgp viaduct {
                  local 10.204.0.2 port %1$d as 64512;
                  hold time 9;
                  connect retry time 1;
                  error wait time 1, 2;
                  ipv4 { import all; export all; next hop self; };
                  passive on;  # only the speaker connects: its signed SYN must pass BIRD's listener key
                }
                protocol bgp good from viaduct { neighbor 10.204.0.1 port %1$d as 64512; password "bird-and-viaduct"; }
                protocol bgp bad from viaduct { neighbor 10.204.0.3 port %1$d as 64512; hold time %2$d; password "bird-side"; }
                """.formatted(PORT, SHORT_HOLD);
        Files.writeString(dir.resolve("bird.conf"), bird);
        Cmd.Result check = Cmd.run("bird", "-p", "-c", dir.resolve("bird.conf").toString());
        assertThat(check.ok()).as("BIRD accepts its config: " + check.stderr()).isTrue();
        fixture.spawn(birdNs, dir.resolve("bird.log"), "bird", "-f", "-c", dir.resolve("bird.conf").toString(),
                "-s", dir.resolve("bird.ctl").toString(), "-P", dir.resolve("bird.pid").toString());

        startedNanos = System.nanoTime();
        goodLog = speaker("good", "10.204.0.1", 9, "bird-and-viaduct", "routes: [10.244.9.0/26]\n");
        wrongLog = speaker("wrong", "10.204.0.3", SHORT_HOLD, "viaduct-side", "");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        fixture.close(); // stops the speakers and BIRD before their directory goes
        if (dir != null) {
            try (var w = Files.walk(dir)) {
                for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Writes a config file and starts {@code viaduct bgp --config} on it in the speaker namespace; returns its log. */
    static Path speaker(String name, String local, int hold, String password, String extra) throws IOException {
        String yaml = """
                asn: 64512
                routerId: %1$s
                listen: "%1$s:%2$d"
                connectRetrySeconds: 1
                jitWarmupRoutes: 0
                http: {listen: ""}
                peers:
                  - {name: bird, address: 10.204.0.2, port: %2$d, asn: 64512, localAddress: %1$s, holdTime: %3$d, password: "%4$s"}
                """.formatted(local, PORT, hold, password) + extra;
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        Path log = dir.resolve(name + ".log");
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "bgp", "--config", config.toString()));
        fixture.spawn(speakerNs, log, argv.toArray(String[]::new));
        return log;
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static String birdc(String... words) {
        List<String> argv = new ArrayList<>(List.of("birdc", "-s", dir.resolve("bird.ctl").toString()));
        argv.addAll(List.of(words));
        return Cmd.run(argv.toArray(String[]::new)).stdout();
    }

    /** TcpExt TCPMD5Failure of a namespace ({@code /proc/net/netstat} is per network namespace). */
    static long md5Failures(String ns) {
        List<String> lines = fixture.execOk(ns, "cat", "/proc/net/netstat").lines().filter(l -> l.startsWith("TcpExt:")).toList();
        String[] names = lines.get(0).split("\\s+");
        String[] values = lines.get(1).split("\\s+");
        Map<String, Long> m = new HashMap<>();
        for (int i = 1; i < names.length; i++) {
            m.put(names[i], Long.parseLong(values[i]));
        }
        return m.getOrDefault("TCPMD5Failure", 0L);
    }

    @Test
    void withBirdsPasswordTheSessionEstablishesSignedAndOurRouteArrives() {
        Poll.until("viaduct bgp reports the session with BIRD established", T, () -> read(goodLog).contains("state=OPENCONFIRM->ESTABLISHED"));
        Poll.until("BIRD has the session established", T, () -> birdc("show", "protocols", "good").contains("Established"));
        Poll.until("the speaker's configured route in BIRD's table", T,
                () -> birdc("show", "route", "10.244.9.0/26", "protocol", "good").contains("10.244.9.0/26"));
        assertThat(birdc("show", "protocols", "all", "good")).as("BIRD sent its own route to the speaker").containsPattern("Routes:\\s+1 imported, 1 exported");
        // BIRD's established socket holds the key for the speaker: the segments really are signed
        String ss = fixture.execOk(birdNs, "ss", "-tnie", "state", "established", "( sport = :" + PORT + " )");
        assertThat(ss).contains("md5keys:10.204.0.1/32=");
        assertThat(read(goodLog)).doesNotContain("cannot start");
    }

    @Test
    void withADifferentPasswordNoBgpMessageGetsThroughAndBirdsKernelDropsTheSegments() {
        Poll.until("the wrong-password speaker stays short of OPENCONFIRM for " + WINDOW.toSeconds() + " s (three hold times)",
                WINDOW.plusSeconds(30), () -> {
                    String log = read(wrongLog);
                    assertThat(log).doesNotContain("cannot start").doesNotContain("->OPENCONFIRM").doesNotContain("->ESTABLISHED");
                    return System.nanoTime() - startedNanos >= WINDOW.toNanos() && log.contains("viaduct bgp: AS 64512");
                });
        assertThat(birdc("show", "protocols", "bad")).doesNotContain("Established");
        assertThat(md5Failures(birdNs) - md5FailuresBefore).as("BIRD's kernel dropped the wrongly signed SYNs").isPositive();
    }
}
