package dev.viaduct.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Throw-away network namespaces (and processes running in them) for kernel tests, removed whatever happens.
 *
 * <p>Register as a JUnit extension: {@code @RegisterExtension Netns netns = Netns.perTest();} removes
 * everything after each test, {@code @RegisterExtension static Netns netns = Netns.perClass();} after the
 * class. Removal also runs when the test throws, and a JVM shutdown hook removes whatever is still alive if
 * the JVM exits early. A JVM killed with SIGKILL runs no hook: the next fixture sweeps namespaces whose
 * creating JVM is gone ({@link #sweepOrphans()}).
 *
 * <p>Namespaces are made with {@code ip netns add}, so they live under {@code /run/netns} like any other;
 * test-support code may shell out, library code may not.
 */
public final class Netns implements AfterEachCallback, AfterAllCallback, AutoCloseable {
    private static final Path RUN_NETNS = Path.of("/run/netns");
    private static final Set<Netns> LIVE = ConcurrentHashMap.newKeySet();
    private static final Object SWEEP_LOCK = new Object();
    private static volatile boolean swept;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Netns n : List.copyOf(LIVE)) {
                try {
                    n.close();
                } catch (Throwable ignored) {
                    // best effort at exit; the next run's sweep catches the rest
                }
            }
        }, "netns-cleanup"));
    }

    private final boolean perClass;
    private final Set<String> namespaces = Collections.synchronizedSet(new LinkedHashSet<>());
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());

    private Netns(boolean perClass) {
        this.perClass = perClass;
    }

    /** Removes everything after each test method. */
    public static Netns perTest() {
        return new Netns(false);
    }

    /** Removes everything after the test class (share expensive setup between tests). */
    public static Netns perClass() {
        return new Netns(true);
    }

    /** Aborts (skips with a message) unless the test runs as root, which namespaces require. */
    public static void requireRoot() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) || isUidZero(),
                "needs root: network namespaces cannot be created by an unprivileged user (run the README's test command as root)");
    }

    /** Creates a namespace with loopback up and returns its name. */
    public String create(String label) {
        requireRoot();
        sweepOrphans();
        LIVE.add(this);
        String name = UniqueNames.namespace(label);
        Cmd.ok("ip", "netns", "add", name);
        namespaces.add(name);
        Cmd.ok("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /** The bind-mount path of a namespace this fixture created. */
    public static Path path(String name) {
        return RUN_NETNS.resolve(name);
    }

    /** Names of the namespaces this fixture currently owns. */
    public List<String> names() {
        synchronized (namespaces) {
            return List.copyOf(namespaces);
        }
    }

    /** Runs a command inside {@code ns} ({@code ip netns exec}) and waits for it. */
    public Cmd.Result exec(String ns, String... argv) {
        return Cmd.run(Duration.ofSeconds(60), null, prepend(ns, argv));
    }

    /** Runs a command inside {@code ns}, throwing unless it exits 0; returns stdout. */
    public String execOk(String ns, String... argv) {
        return exec(ns, argv).orThrow().stdout();
    }

    /**
     * Starts a long-running process inside {@code ns} (or in the root namespace if {@code ns} is null), with
     * stdout and stderr appended to {@code log}. It is killed when the fixture cleans up.
     */
    public Process spawn(String ns, Path log, String... argv) {
        requireRoot();
        LIVE.add(this);
        ProcessBuilder pb = new ProcessBuilder(ns == null ? argv : prepend(ns, argv));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process p = pb.start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new AssertionError("cannot start " + String.join(" ", argv), e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /**
     * Kills the processes this fixture started and everything still running in its namespaces, then deletes
     * the namespaces. Tries everything before reporting; a failure to remove something fails the test, since
     * a leak is a bug.
     */
    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        List<Process> procs;
        synchronized (processes) {
            procs = List.copyOf(processes);
            processes.clear();
        }
        for (Process p : procs) {
            kill(p.toHandle());
        }
        for (String ns : names()) {
            try {
                deleteNamespace(ns);
                namespaces.remove(ns);
            } catch (RuntimeException | Error e) {
                problems.add(ns + ": " + e.getMessage());
            }
        }
        LIVE.remove(this);
        if (!problems.isEmpty()) {
            throw new AssertionError("namespace cleanup failed: " + problems);
        }
    }

    /**
     * Deletes namespaces (and kills their processes) left behind by test JVMs that no longer exist. Runs once
     * per JVM, before the first namespace is created.
     */
    public static void sweepOrphans() {
        if (swept) {
            return;
        }
        synchronized (SWEEP_LOCK) {
            if (swept) {
                return;
            }
            swept = true;
            if (!Files.isDirectory(RUN_NETNS)) {
                return;
            }
            try (Stream<Path> s = Files.list(RUN_NETNS)) {
                for (Path p : s.toList()) {
                    String name = p.getFileName().toString();
                    long pid = UniqueNames.pidOf(name);
                    if (pid > 0 && ProcessHandle.of(pid).isEmpty()) {
                        try {
                            deleteNamespace(name);
                        } catch (RuntimeException | Error e) {
                            System.err.println("netns sweep: could not remove orphan " + name + ": " + e.getMessage());
                        }
                    }
                }
            } catch (IOException e) {
                System.err.println("netns sweep: cannot list " + RUN_NETNS + ": " + e);
            }
        }
    }

    /** Kills every process in {@code ns}, then removes it; verifies the bind mount is gone. */
    static void deleteNamespace(String ns) {
        for (int round = 0; round < 3; round++) {
            Cmd.Result pids = Cmd.run("ip", "netns", "pids", ns);
            if (!pids.ok() || pids.stdout().isBlank()) {
                break;
            }
            for (String line : pids.stdout().strip().split("\\s+")) {
                ProcessHandle.of(Long.parseLong(line)).ifPresent(Netns::kill);
            }
        }
        Cmd.Result del = Cmd.run("ip", "netns", "del", ns);
        if (!del.ok() && Files.exists(path(ns))) {
            throw new AssertionError("ip netns del " + ns + " failed: " + del.stderr().strip());
        }
        if (Files.exists(path(ns))) {
            throw new AssertionError(path(ns) + " still exists after ip netns del");
        }
    }

    private static void kill(ProcessHandle h) {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        if (!h.isAlive()) {
            return;
        }
        h.destroy();
        try {
            h.onExit().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported by the namespace deletion if it still holds the namespace
            }
        }
    }

    private static String[] prepend(String ns, String[] argv) {
        String[] full = new String[argv.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(argv, 0, full, 4, argv.length);
        return full;
    }

    private static boolean isUidZero() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .filter(l -> l.startsWith("Uid:")).findFirst()
                    .map(l -> l.split("\\s+")[1].equals("0")).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }
}
