package dev.viaduct.bgp.interop;

import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.UniqueNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Shared plumbing of the interop tests: loopback addresses no other test JVM uses (127.P.N.x with P from
 * this JVM's pid), free ports, scratch directories, and starting/querying BIRD, FRR bgpd and GoBGP. The
 * daemons are spawned through the {@link Netns} fixture, which kills them when the class ends, even on
 * failure.
 */
final class Interop {
    static final Duration T = Duration.ofSeconds(40);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger NET = new AtomicInteger();
    private static final int PID_OCTET = 16 + (int) (ProcessHandle.current().pid() % 200);

    private Interop() {
    }

    /** A fresh /24 inside 127/8 for one test class: returns "127.P.N." to which hosts .1.. are appended. */
    static String subnet() {
        return "127." + PID_OCTET + "." + (NET.incrementAndGet() % 250 + 1) + ".";
    }

    static Inet4Address v4(String s) {
        return (Inet4Address) IpAddresses.parse(s);
    }

    static int freePort(InetAddress on) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(on, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final java.util.List<Path> SCRATCH = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        // scratch directories (configs, sockets, daemon logs) go when the test JVM ends; the daemons are dead by
        // then (the Netns fixture kills them after each class)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path d : SCRATCH) {
                try (java.util.stream.Stream<Path> w = Files.walk(d)) {
                    w.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
                } catch (IOException | UncheckedIOException ignored) {
                    // best effort: /tmp is cleaned by the system as well
                }
            }
        }, "interop-scratch-cleanup"));
    }

    static Path scratch(String label) {
        try {
            Path d = Files.createTempDirectory(UniqueNames.jvmPrefix() + "-" + label + "-");
            SCRATCH.add(d);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Viaduct speaker listening on {@code addr}:ephemeral with short timers for tests. */
    static BgpSpeaker speaker(long asn, String addr, SpeakerConfig.GracefulRestart gr) throws IOException {
        return BgpSpeaker.start(SpeakerConfig.builder(asn, v4(addr)).listen(new InetSocketAddress(v4(addr), 0))
                .connectRetrySeconds(1).idleHoldSeconds(1).holdTime(9).gracefulRestart(gr).build());
    }

    // ------------------------------------------------------------------ BIRD

    /** A running BIRD 2 ({@code bird -f -c conf -s sock}). */
    record Bird(Process process, Path dir, Path socket, Path log) {
        String cli(String... words) {
            String[] argv = new String[3 + words.length];
            argv[0] = "birdc";
            argv[1] = "-s";
            argv[2] = socket.toString();
            System.arraycopy(words, 0, argv, 3, words.length);
            return Cmd.run(argv).stdout();
        }

        /** {@code show route for P all} of the master table of P's family. */
        String route(String prefix) {
            return cli("show", "route", "for", prefix, "all");
        }

        boolean hasRoute(String prefix) {
            String out = cli("show", "route", prefix, "all");
            return out.contains(prefix.replaceAll("/.*", "")) && out.contains("BGP.");
        }

        boolean established(String protocol) {
            return cli("show", "protocols", protocol).contains("Established");
        }
    }

    static Bird startBird(Netns fixture, Path dir, String config) {
        return startBird(fixture, dir, config, false);
    }

    /** BIRD started with {@code -R}: graceful-restart recovery, so its OPENs carry the R and F bits (RFC 4724). */
    static Bird startBirdRecovering(Netns fixture, Path dir, String config) {
        return startBird(fixture, dir, config, true);
    }

    private static Bird startBird(Netns fixture, Path dir, String config, boolean recovering) {
        Path conf = dir.resolve("bird.conf");
        Path sock = dir.resolve("bird.ctl");
        Path log = dir.resolve("bird.log");
        write(conf, config);
        Cmd.Result check = Cmd.run("bird", "-p", "-c", conf.toString());
        if (!check.ok()) {
            throw new AssertionError("BIRD rejects its config: " + check.stderr() + "\n" + config);
        }
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("bird", "-f", "-c", conf.toString(), "-s", sock.toString(),
                "-P", dir.resolve("bird.pid").toString()));
        if (recovering) {
            argv.add("-R");
        }
        Process p = fixture.spawn(null, log, argv.toArray(String[]::new));
        dev.viaduct.testsupport.Poll.until("BIRD control socket", T, () -> Files.exists(sock) && Cmd.run("birdc", "-s", sock.toString(), "show", "status").ok());
        return new Bird(p, dir, sock, log);
    }

    // ------------------------------------------------------------------ FRR

    /** A running FRR bgpd without zebra; {@link #vtysh} talks to it through its private vty socket dir. */
    record Frr(Process process, Path dir, Path log) {
        String vtysh(String command) {
            return Cmd.run("vtysh", "--vty_socket", dir.toString(), "-c", command).stdout();
        }

        JsonNode json(String command) {
            String out = vtysh(command);
            return JSON.readTree(out.isBlank() ? "{}" : out);
        }

        /** The FRR routes JSON ("routes" object) of a family: {@code show bgp ipv4 unicast json}. */
        JsonNode routes(String afi) {
            return json("show bgp " + afi + " unicast json").path("routes");
        }
    }

    static Frr startFrr(Netns fixture, Path dir, String listenAddress, int port, String config) {
        Path conf = dir.resolve("bgpd.conf");
        Path log = dir.resolve("bgpd.log");
        write(conf, config);
        Process p = fixture.spawn(null, log, "/usr/lib/frr/bgpd", "-f", conf.toString(), "-i", dir.resolve("bgpd.pid").toString(),
                "-z", dir.resolve("zserv.api").toString(), "--vty_socket", dir.toString(), "-p", Integer.toString(port),
                "-l", listenAddress, "-Z", "-S", "-P", "0", "--log", "stdout", "--log-level", "informational");
        Frr f = new Frr(p, dir, log);
        dev.viaduct.testsupport.Poll.until("FRR bgpd vty socket", T, () -> Files.exists(dir.resolve("bgpd.vty"))
                && Cmd.run("vtysh", "--vty_socket", dir.toString(), "-c", "show bgp summary").ok());
        return f;
    }

    // ------------------------------------------------------------------ GoBGP

    /** A running gobgpd; {@link #cli} is the {@code gobgp} client on its API port. */
    record Gobgp(Process process, Path dir, int apiPort, Path log) {
        Cmd.Result cli(String... args) {
            String[] argv = new String[3 + args.length];
            argv[0] = "gobgp";
            argv[1] = "-p";
            argv[2] = Integer.toString(apiPort);
            System.arraycopy(args, 0, argv, 3, args.length);
            return Cmd.run(argv);
        }

        /** {@code gobgp global rib -a FAMILY -j}: prefix to array of paths. */
        JsonNode rib(String family) {
            String out = cli("global", "rib", "-a", family, "-j").stdout();
            return JSON.readTree(out.isBlank() ? "{}" : out);
        }
    }

    /**
     * A gobgpd neighbor (TOML) with short timers, eBGP multihop, graceful restart and both unicast families:
     * format with neighbor address, peer AS, remote port, local address.
     */
    static final String GOBGP_NEIGHBOR = """
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "%s"
                peer-as = %d
              [neighbors.transport.config]
                remote-port = %d
                local-address = "%s"
              [neighbors.timers.config]
                connect-retry = 1
                hold-time = 9
                keepalive-interval = 3
              [neighbors.ebgp-multihop.config]
                enabled = true
                multihop-ttl = 5
              [neighbors.graceful-restart.config]
                enabled = true
                restart-time = 30
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv4-unicast"
                [neighbors.afi-safis.mp-graceful-restart.config]
                  enabled = true
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv6-unicast"
                [neighbors.afi-safis.mp-graceful-restart.config]
                  enabled = true
            """;

    static Gobgp startGobgp(Netns fixture, Path dir, String config) {
        Path conf = dir.resolve("gobgpd.toml");
        Path log = dir.resolve("gobgpd.log");
        write(conf, config);
        int api = dev.viaduct.testsupport.LoopbackPorts.unused();
        Process p = fixture.spawn(null, log, "gobgpd", "-f", conf.toString(), "-p", "--pprof-disable",
                "--api-hosts", "127.0.0.1:" + api, "-l", "info");
        Gobgp g = new Gobgp(p, dir, api, log);
        dev.viaduct.testsupport.Poll.until("gobgpd API", T, () -> g.cli("global").ok());
        return g;
    }
}
