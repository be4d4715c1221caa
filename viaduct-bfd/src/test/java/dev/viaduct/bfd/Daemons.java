package dev.viaduct.bfd;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.UniqueNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference BFD daemons of the interop tests, each started inside a test namespace through the
 * {@link Netns} fixture (which kills it when the test class ends, even on failure): BIRD 2 and FRR's bfdd
 * (which runs without zebra). Both are queried through their own CLIs, and can be frozen with SIGSTOP to
 * play a node that stopped answering.
 */
final class Daemons {
    static final Duration T = Duration.ofSeconds(20);

    private Daemons() {
    }

    static Path scratch(String label) {
        try {
            Path dir = Files.createTempDirectory(UniqueNames.jvmPrefix() + "-" + label + "-");
            // FRR drops privileges to the frr user, which must be able to write its pid file and sockets here
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a scratch directory (daemon config, sockets, logs) once the test class is done with it. */
    static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
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
            throw new UncheckedIOException(e);
        }
    }

    /** SIGSTOP: the process keeps its sockets but sends and answers nothing, like a hung node. */
    static void freeze(Process p) {
        Cmd.ok("kill", "-STOP", Long.toString(p.pid()));
    }

    static void thaw(Process p) {
        Cmd.run("kill", "-CONT", Long.toString(p.pid()));
    }

    // ------------------------------------------------------------------ BIRD

    /** A running BIRD 2 ({@code bird -f}); {@link #cli} is {@code birdc} on its control socket. */
    record Bird(Process process, Path dir, Path socket) {
        String cli(String... words) {
            String[] argv = new String[3 + words.length];
            argv[0] = "birdc";
            argv[1] = "-s";
            argv[2] = socket.toString();
            System.arraycopy(words, 0, argv, 3, words.length);
            return Cmd.run(argv).stdout();
        }

        /**
         * The State column of {@code show bfd sessions} for a neighbour ("Up", "Down", "Init"), empty when BIRD
         * lists no such session (e.g. the protocol is disabled).
         */
        Optional<String> sessionState(String neighbour) {
            for (String line : cli("show", "bfd", "sessions").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 3 && f[0].equals(neighbour)) {
                    return Optional.of(f[2]);
                }
            }
            return Optional.empty();
        }

        String log() {
            return read(dir.resolve("bird.log"));
        }
    }

    static Bird startBird(Netns fixture, String ns, String config) {
        Path dir = scratch("bird");
        Path conf = dir.resolve("bird.conf");
        Path sock = dir.resolve("bird.ctl");
        write(conf, config);
        Cmd.Result check = Cmd.run("bird", "-p", "-c", conf.toString());
        if (!check.ok()) {
            throw new AssertionError("BIRD rejects its config: " + check.stderr() + "\n" + config);
        }
        Process p = fixture.spawn(ns, dir.resolve("bird.log"), "bird", "-f", "-c", conf.toString(), "-s", sock.toString(),
                "-P", dir.resolve("bird.pid").toString());
        Poll.until("BIRD control socket", T, () -> Files.exists(sock) && Cmd.run("birdc", "-s", sock.toString(), "show", "status").ok());
        return new Bird(p, dir, sock);
    }

    // ------------------------------------------------------------------ FRR bfdd

    /** A running FRR bfdd without zebra; {@link #vtysh} talks to it through its private vty socket directory. */
    record Frr(Process process, Path dir) {
        String vtysh(String... commands) {
            String[] argv = new String[3 + 2 * commands.length];
            argv[0] = "vtysh";
            argv[1] = "--vty_socket";
            argv[2] = dir.toString();
            for (int i = 0; i < commands.length; i++) {
                argv[3 + 2 * i] = "-c";
                argv[4 + 2 * i] = commands[i];
            }
            return Cmd.run(argv).stdout();
        }

        /** One field of {@code show bfd peer <peer> json} (e.g. "status", "diagnostic", "remote-diagnostic"). */
        Optional<String> peerField(String peer, String field) {
            String json = vtysh("show bfd peer " + peer + " json");
            Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":\\s*(\"([^\"]*)\"|(\\d+))").matcher(json);
            return m.find() ? Optional.of(m.group(2) != null ? m.group(2) : m.group(3)) : Optional.empty();
        }

        String log() {
            return read(dir.resolve("bfdd.log"));
        }
    }

    static Frr startFrr(Netns fixture, String ns, String config) {
        Path dir = scratch("frr");
        Path conf = dir.resolve("bfdd.conf");
        write(conf, config);
        Process p = fixture.spawn(ns, dir.resolve("bfdd.log"), "/usr/lib/frr/bfdd", "-f", conf.toString(), "-i",
                dir.resolve("bfdd.pid").toString(), "-z", dir.resolve("zserv.api").toString(), "--vty_socket", dir.toString(),
                "--bfdctl", dir.resolve("bfdd.sock").toString(), "--log", "stdout", "--log-level", "informational");
        Frr f = new Frr(p, dir);
        Poll.until("FRR bfdd vty socket", T, () -> Files.exists(dir.resolve("bfdd.vty"))
                && Cmd.run("vtysh", "--vty_socket", dir.toString(), "-c", "show bfd peers").ok());
        return f;
    }
}
