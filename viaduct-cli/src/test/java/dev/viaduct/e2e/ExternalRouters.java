package dev.viaduct.e2e;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Real routers attached to a lab as external BGP peers with BFD: BIRD 2 (BGP and BFD in one process) and FRR
 * (zebra, bfdd and bgpd: bgpd registers its BFD peers with bfdd through zebra, so FRR's BGP+BFD needs all three).
 * Each runs in a namespace {@link dev.viaduct.lab.Lab#attachNamespace} put on the lab's segment, started through
 * the {@link Netns} fixture, which kills it when the test class ends; {@code lab down} would kill it with its
 * namespace anyway.
 */
final class ExternalRouters {
    static final Duration T = Duration.ofSeconds(30);

    private ExternalRouters() {
    }

    static Path scratch(String label) {
        try {
            Path dir = Files.createTempDirectory("vt-" + label + "-");
            // FRR drops privileges to the frr user, which must write its pid files and sockets here
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e);
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
            return "";
        }
    }

    // ------------------------------------------------------------------ BIRD

    /** BIRD with one BGP protocol per node, named like the node ({@code n1}), each with {@code bfd on}. */
    record Bird(Process process, Path dir) {
        String cli(String... words) {
            String[] argv = new String[3 + words.length];
            argv[0] = "birdc";
            argv[1] = "-s";
            argv[2] = dir.resolve("bird.ctl").toString();
            System.arraycopy(words, 0, argv, 3, words.length);
            return Cmd.run(argv).stdout();
        }

        /** The {@code show protocols} line of the BGP protocol with node {@code node}. */
        String protocol(String node) {
            for (String line : cli("show", "protocols").split("\n")) {
                if (line.startsWith(node + " ")) {
                    return line;
                }
            }
            return "";
        }

        boolean established(String node) {
            return protocol(node).contains("Established");
        }

        /** State column of {@code show bfd sessions} for a neighbour ("Up", "Down", "Init"), or "". */
        String bfd(String neighbour) {
            for (String line : cli("show", "bfd", "sessions").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 3 && f[0].equals(neighbour)) {
                    return f[2];
                }
            }
            return "";
        }

        String log() {
            return read(dir.resolve("bird.log"));
        }
    }

    /**
     * BIRD as AS {@code asn} at {@code address}, announcing {@code prefix}, with a BGP session and BFD (100 ms x 3)
     * to every node. Short error-wait and connect timers so a session comes back within seconds after a failure
     * (BIRD's defaults wait a minute), the hold time left at its default: only BFD can take a session down fast.
     */
    static Bird startBird(Netns fixture, String ns, String address, long asn, String prefix, List<String> nodes, long nodeAsn) {
        Path dir = scratch("bird");
        StringBuilder conf = new StringBuilder("""
                router id %s;
                log "%s" all;
                protocol device {}
                protocol bfd { interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }
                protocol static { ipv4; route %s blackhole; }
                """.formatted(address, dir.resolve("bird.log"), prefix));
        for (int i = 0; i < nodes.size(); i++) {
            conf.append("""
                    protocol bgp n%d {
                      local %s as %d;
                      neighbor %s as %d;
                      bfd on;
                      error wait time 1, 5;
                      connect delay time 1;
                      connect retry time 2;
                      ipv4 { import all; export where source = RTS_STATIC; };
                    }
                    """.formatted(i + 1, address, asn, nodes.get(i), nodeAsn));
        }
        Path file = dir.resolve("bird.conf");
        write(file, conf.toString());
        Cmd.Result check = Cmd.run("bird", "-p", "-c", file.toString());
        if (!check.ok()) {
            throw new AssertionError("BIRD rejects its config: " + check.stderr() + "\n" + conf);
        }
        Process p = fixture.spawn(ns, dir.resolve("bird.out"), "bird", "-f", "-c", file.toString(), "-s",
                dir.resolve("bird.ctl").toString(), "-P", dir.resolve("bird.pid").toString());
        Bird b = new Bird(p, dir);
        Poll.until("BIRD control socket", T, () -> Cmd.run("birdc", "-s", dir.resolve("bird.ctl").toString(), "show", "status").ok());
        return b;
    }

    // ------------------------------------------------------------------ FRR

    /** FRR's zebra, bfdd and bgpd sharing one directory (config, zserv socket, vty sockets). */
    record Frr(Process zebra, Process bfdd, Process bgpd, Path dir) {
        String vtysh(String command) {
            return Cmd.run("vtysh", "--vty_socket", dir.toString(), "-c", command).stdout();
        }

        /** The BGP state FRR reports for a neighbour ("Established", "Active", ...), or "". */
        String bgpState(String neighbour) {
            String out = vtysh("show bgp summary json");
            try {
                JsonNode n = FreezeTrials.JSON.readTree(out.isBlank() ? "{}" : out);
                return n.path("ipv4Unicast").path("peers").path(neighbour).path("state").asString("");
            } catch (RuntimeException e) {
                return "";
            }
        }

        /** FRR bfdd's status for a peer ("up", "down", "init"), or "". */
        String bfd(String peer) {
            String out = vtysh("show bfd peers json");
            try {
                for (JsonNode s : FreezeTrials.JSON.readTree(out.isBlank() ? "[]" : out)) {
                    if (s.path("peer").asString().equals(peer)) {
                        return s.path("status").asString("");
                    }
                }
            } catch (RuntimeException e) {
                return "";
            }
            return "";
        }

        String log() {
            return read(dir.resolve("zebra.log")) + read(dir.resolve("bfdd.log")) + read(dir.resolve("bgpd.log"));
        }
    }

    /**
     * FRR as AS {@code asn} at {@code address}, announcing {@code prefix}, with BGP to every node and BFD through a
     * 100 ms x 3 profile; a 1 s connect timer so sessions come back quickly; hold time left at FRR's default.
     */
    static Frr startFrr(Netns fixture, String ns, String address, long asn, String prefix, List<String> nodes, long nodeAsn) {
        Path dir = scratch("frr");
        write(dir.resolve("zebra.conf"), "hostname zebra\n");
        write(dir.resolve("bfdd.conf"), """
                bfd
                 profile fast
                  receive-interval 100
                  transmit-interval 100
                  detect-multiplier 3
                 !
                !
                """);
        StringBuilder bgp = new StringBuilder("""
                frr defaults traditional
                router bgp %d
                 bgp router-id %s
                 no bgp ebgp-requires-policy
                 no bgp network import-check
                """.formatted(asn, address));
        for (String n : nodes) {
            bgp.append(" neighbor ").append(n).append(" remote-as ").append(nodeAsn).append('\n')
                    .append(" neighbor ").append(n).append(" timers connect 1\n")
                    .append(" neighbor ").append(n).append(" bfd profile fast\n");
        }
        bgp.append(" address-family ipv4 unicast\n  network ").append(prefix).append("\n exit-address-family\n!\n");
        write(dir.resolve("bgpd.conf"), bgp.toString());
        String zserv = dir.resolve("zserv.api").toString();
        Process zebra = fixture.spawn(ns, dir.resolve("zebra.log"), "/usr/lib/frr/zebra", "-f", dir.resolve("zebra.conf").toString(),
                "-i", dir.resolve("zebra.pid").toString(), "-z", zserv, "--vty_socket", dir.toString(), "-P", "0", "--log", "stdout");
        Poll.until("FRR zebra's zserv socket", T, () -> Files.exists(dir.resolve("zserv.api")));
        Process bfdd = fixture.spawn(ns, dir.resolve("bfdd.log"), "/usr/lib/frr/bfdd", "-f", dir.resolve("bfdd.conf").toString(),
                "-i", dir.resolve("bfdd.pid").toString(), "-z", zserv, "--vty_socket", dir.toString(), "--bfdctl",
                dir.resolve("bfdd.sock").toString(), "-P", "0", "--log", "stdout");
        Process bgpd = fixture.spawn(ns, dir.resolve("bgpd.log"), "/usr/lib/frr/bgpd", "-f", dir.resolve("bgpd.conf").toString(),
                "-i", dir.resolve("bgpd.pid").toString(), "-z", zserv, "--vty_socket", dir.toString(), "-l", address, "-P", "0",
                "--log", "stdout");
        Frr f = new Frr(zebra, bfdd, bgpd, dir);
        Poll.until("FRR bgpd and bfdd answer vtysh", T, () -> Files.exists(dir.resolve("bgpd.vty")) && Files.exists(dir.resolve("bfdd.vty"))
                && Cmd.run("vtysh", "--vty_socket", dir.toString(), "-c", "show bgp summary").ok());
        return f;
    }

    /** The pid of a process started through {@code ip netns exec} (which execs in place). */
    static String pid(Process p) {
        return Long.toString(p.pid());
    }
}
