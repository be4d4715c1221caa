package dev.viaduct.lab;

import dev.viaduct.netlink.NetNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Starting detached processes inside namespaces, and stopping them safely by pid. */
final class LabProcesses {
    private LabProcesses() {
    }

    /**
     * Starts {@code argv} inside {@code namespace} in its own session ({@code setsid}), so it outlives the lab
     * command and a terminal's Ctrl-C; output goes to {@code log}. Returns the pid (setsid and
     * {@code ip netns exec} both exec in place, so it is the program's own pid).
     */
    static LabState.Proc spawn(String role, String node, String namespace, List<String> argv, Path log) throws IOException {
        List<String> full = new ArrayList<>(List.of("setsid", "ip", "netns", "exec", namespace));
        full.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        return new LabState.Proc(role, node, p.pid(), startTicks(p.pid()).orElse(0L), log.toString());
    }

    /** Field 22 of /proc/pid/stat: start time in clock ticks since boot; tells a recycled pid apart. */
    static Optional<Long> startTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Long.parseLong(f[19]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static boolean alive(LabState.Proc p) {
        return startTicks(p.pid()).map(t -> p.startTicks() == 0 || t == p.startTicks()).orElse(false);
    }

    /** SIGTERM, wait up to {@code graceMillis}, then SIGKILL; waits until it is gone. */
    static void stop(LabState.Proc p, long graceMillis) {
        if (!alive(p)) {
            return;
        }
        ProcessHandle.of(p.pid()).ifPresent(h -> {
            h.destroy();
            try {
                h.onExit().get(graceMillis, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // reported by the caller's leak check
                }
            }
        });
    }

    /** SIGKILL at once (crash tests). */
    static void kill(LabState.Proc p) {
        if (!alive(p)) {
            return;
        }
        ProcessHandle.of(p.pid()).ifPresent(h -> {
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported by the caller
            }
        });
    }

    /**
     * SIGKILLs every process in the named namespace (found by its inode, as {@code ip netns pids} does), in up to
     * three rounds for children forked meanwhile; a namespace that cannot be opened has nothing to kill.
     */
    static void killAllIn(String ns) {
        long inode;
        try (NetNamespace n = NetNamespace.openNamed(ns)) {
            inode = n.inode();
        } catch (RuntimeException e) {
            return;
        }
        for (int round = 0; round < 3; round++) {
            List<Long> pids = pidsInNamespace(inode);
            if (pids.isEmpty()) {
                return;
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroyForcibly();
                    try {
                        h.onExit().get(5, TimeUnit.SECONDS);
                    } catch (Exception ignored) {
                        // next round
                    }
                });
            }
        }
    }

    /** Pids whose network namespace is {@code inode} (what {@code ip netns pids} does). */
    static List<Long> pidsInNamespace(long inode) {
        List<Long> out = new ArrayList<>();
        String want = "net:[" + inode + "]";
        try (var s = Files.list(Path.of("/proc"))) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(want)) {
                        out.add(Long.parseLong(n));
                    }
                } catch (IOException | RuntimeException ignored) {
                    // process gone or not ours to read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
