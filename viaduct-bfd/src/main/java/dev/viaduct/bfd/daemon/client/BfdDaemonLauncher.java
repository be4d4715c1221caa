package dev.viaduct.bfd.daemon.client;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts bfdd as a detached child of the agent: the same Java as the agent, the part of its class path (the
 * {@code viaduct} binary's) that bfdd uses, a small heap, bfdd's own entry point (the options of
 * {@code viaduct bfdd --detach}), its AOT cache when the launcher trained one, output appended to a log file next to
 * the socket. The child calls {@code setsid} so it has its own session; the agent never stops it (restarts, crashes
 * and graceful stops of the agent leave it running), and it dies with its node (or its network namespace, in the lab).
 *
 * <p>Under systemd, run {@code viaduct bfdd} as its own unit instead (or give the agent's unit
 * {@code KillMode=process}): a unit's default stop kills every process of its cgroup, bfdd included.
 */
public final class BfdDaemonLauncher implements BfddLink.DaemonStarter {
    /** bfdd's entry point in the {@code viaduct} binary, by name: the agent runs from that binary's class path. */
    static final String BFDD_MAIN = "dev.viaduct.cli.BfddMain";
    /**
     * What bfdd loads classes from: the binary's own jar (its entry point and logging), BFD, libc, and Jackson 3's
     * jackson-core (its line protocol's JSON; not databind, which it does not use, and not the Jackson 2 jackson-core
     * that the Kubernetes client brings, whose jar has the same name but for the version).
     */
    static final List<String> BFDD_ARTIFACTS = List.of("viaduct-cli", "viaduct-bfd", "viaduct-sys", "jackson-core-3.");
    /**
     * JVM options for the daemon; {@code VIADUCT_BFDD_JAVA_OPTS} replaces them. bin/viaduct, the image's launcher and
     * bench/memory/run spell the same list (a test compares them). Besides the long-running roles' budget (serial
     * collector, C1 only, small code cache and stacks, the C heap trimmed): a 384 KiB young generation (bfdd allocates
     * little; every page of a larger one is touched as allocation cycles through it), C1 at twice its thresholds and
     * not compiling the class-file API (the JDK spins the FFM downcall stubs and lambda forms with it at start only:
     * compiled, it would stay in the code cache for nothing), and no training replay thread (the cache holds no
     * profiles). Together ~2 MiB of resident memory for ~0.3 ms of CPU a second at idle (docs/benchmarks.md, "bfdd
     * under 48 MiB").
     */
    static final String DEFAULT_JAVA_OPTS = "-XX:+UseSerialGC -Xms4m -Xmx32m -Xmn384k -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
            + " -XX:CompileThresholdScaling=2 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=30000"
            + " -XX:ReservedCodeCacheSize=8m -Xss256k -XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining -XX:CompileCommand=quiet"
            + " -XX:CompileCommand=exclude,jdk.internal.classfile.*::* -XX:CompileCommand=exclude,java.lang.classfile.*::*";

    /** bfdd's JDK AOT cache, beside the binary's jar: bin/viaduct and the image build train it with these options. */
    static final String AOT_CACHE = "viaduct-bfdd.aot";

    private final Path socket;
    private final String logFormat;
    private final String logLevel;

    public BfdDaemonLauncher(Path socket, String logFormat, String logLevel) {
        this.socket = socket;
        this.logFormat = logFormat;
        this.logLevel = logLevel;
    }

    /** Where the daemon's log goes: {@code bfdd.sock} → {@code bfdd.log} in the same directory. */
    public static Path logFile(Path socket) {
        String n = socket.getFileName().toString();
        String base = n.endsWith(".sock") ? n.substring(0, n.length() - 5) : n;
        return socket.resolveSibling(base + ".log");
    }

    /** The daemon's command line. */
    List<String> command() {
        List<String> argv = new ArrayList<>();
        argv.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        argv.add("--enable-native-access=ALL-UNNAMED");
        String opts = System.getenv().getOrDefault("VIADUCT_BFDD_JAVA_OPTS", DEFAULT_JAVA_OPTS).strip();
        if (!opts.isEmpty()) {
            argv.addAll(List.of(opts.split("\\s+")));
        }
        String cp = classPath(System.getProperty("java.class.path"));
        argv.addAll(aotCache(cp, opts, System.getenv()).map(c -> List.of("-XX:AOTCache=" + c, "-Xlog:aot=off", "-Xlog:cds=off"))
                .orElse(List.of("-Xshare:auto")));
        argv.addAll(List.of("-cp", cp, BFDD_MAIN,
                "--socket", socket.toString(), "--detach", "--log-format", logFormat, "--log-level", logLevel));
        return argv;
    }

    /**
     * The entries of {@code classPath} bfdd needs ({@link #BFDD_ARTIFACTS}), in order: jars by file name
     * ({@code lib/viaduct-bfd-0.1.0.jar}), a module's class directory by its module ({@code viaduct-bfd/target/classes}).
     * Fewer jars is less memory: the JDK reads each opened jar's central directory onto the heap, and looks for a class
     * in every jar before the one that has it.
     */
    static String classPath(String classPath) {
        List<String> kept = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            Path named = entry.endsWith(".jar") ? p.getFileName()
                    : p.endsWith(Path.of("target", "classes")) && p.getNameCount() > 2 ? p.getParent().getParent().getFileName() : null;
            if (named != null && BFDD_ARTIFACTS.stream().anyMatch(a -> named.toString().startsWith(a))) {
                kept.add(entry);
            }
        }
        return kept.isEmpty() ? classPath : String.join(java.io.File.pathSeparator, kept);
    }

    /**
     * The cache beside the jar named viaduct-cli on {@code classPath}, when it is newer than every entry of it: a
     * missing or damaged cache only costs start time (the JVM runs without it, silently with {@code -Xlog:aot=off
     * -Xlog:cds=off}), but JDK 25.0.3 does not reject one whose jars changed (JDK-8377932) and would run the cached
     * classes. None with {@code VIADUCT_NO_AOT=1}, or when the options choose class sharing themselves.
     */
    static Optional<Path> aotCache(String classPath, String javaOpts, Map<String, String> env) {
        if ("1".equals(env.get("VIADUCT_NO_AOT")) || javaOpts.contains("-Xshare") || javaOpts.contains("AOTCache")) {
            return Optional.empty();
        }
        List<Path> entries = List.of(classPath.split(File.pathSeparator)).stream().map(Path::of).toList();
        Optional<Path> cache = entries.stream().filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith("viaduct-cli")
                && p.toString().endsWith(".jar")).findFirst().map(p -> p.resolveSibling(AOT_CACHE)).filter(Files::isRegularFile);
        try {
            if (cache.isPresent()) {
                FileTime trained = Files.getLastModifiedTime(cache.get());
                for (Path p : entries) {
                    if (Files.getLastModifiedTime(p).compareTo(trained) > 0) {
                        return Optional.empty();
                    }
                }
            }
            return cache;
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public long start() throws IOException {
        Path log = logFile(socket);
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        return p.pid();
    }

    @Override
    public String toString() {
        return "bfdd launcher (log " + logFile(socket) + ")";
    }
}
