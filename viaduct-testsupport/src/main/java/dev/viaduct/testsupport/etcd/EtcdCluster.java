package dev.viaduct.testsupport.etcd;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.LoopbackPorts;
import dev.viaduct.testsupport.Poll;
import dev.viaduct.testsupport.UniqueNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd (Debian's {@code etcd-server}, {@code /usr/bin/etcd}) for tests: one member or several, on
 * loopback, with free ports and a temporary data directory, removed whatever happens.
 *
 * <p>Typical use, one cluster per test class:
 * <pre>{@code
 * @RegisterExtension static EtcdCluster etcd = EtcdCluster.start(1);
 * ... etcd.endpoints() ...
 * }</pre>
 * As an extension it closes after the class; it is also {@link AutoCloseable}. A JVM shutdown hook kills
 * whatever is still running if the JVM exits early, and members left by a JVM that was killed with SIGKILL
 * (which runs no hook) are swept by the next fixture: their data directories carry the creating JVM's pid.
 *
 * <p>Members run {@code etcd} as a child process; the fixture checks them with {@code etcdctl} (etcd-client),
 * an independent client, never with the code under test. Data directories live on {@code /dev/shm} when it
 * exists, because etcd fsyncs its WAL on every commit and a tmpfs makes that free; killing a member (the
 * fault tests) loses nothing on a tmpfs either, since the page cache survives the process.
 *
 * <p>Thread-safety: members are started and stopped by the test thread; {@link #close()} may run from the
 * shutdown hook, so the member list is only appended to while starting.
 */
public final class EtcdCluster implements AutoCloseable, AfterAllCallback {
    static final String ETCD = "/usr/bin/etcd";
    static final String ETCDCTL = "/usr/bin/etcdctl";
    private static final Set<EtcdCluster> LIVE = ConcurrentHashMap.newKeySet();
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":(\\d+)");
    private static final Pattern LEADER = Pattern.compile("\"leader\":(\\d+)");
    private static volatile boolean swept;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (EtcdCluster c : List.copyOf(LIVE)) {
                try {
                    c.close();
                } catch (Throwable ignored) {
                    // best effort at exit; the next fixture's sweep catches the rest
                }
            }
        }, "etcd-cleanup"));
    }

    private final Path root;
    private final boolean ownsRoot;
    private final List<EtcdMember> members = new ArrayList<>();
    private final EtcdTls tls;
    private volatile String[] credentials = new String[0];
    private List<Placement> placements;
    /** More command-line flags for every member ({@link Builder#flags}). */
    List<String> flags = List.of();

    private EtcdCluster(Path root, boolean ownsRoot, EtcdTls tls) {
        this.root = root;
        this.ownsRoot = ownsRoot;
        this.tls = tls;
    }

    /** Starts a cluster of {@code members} (1 or 3, typically) on loopback and waits until it has a leader. */
    public static EtcdCluster start(int members) {
        return builder().members(members).start();
    }

    /**
     * Starts a cluster whose data directories live under {@code dataRoot} (null: a fresh temporary directory,
     * deleted on close; a given directory is kept, only the members' subdirectories are deleted).
     */
    public static EtcdCluster start(int members, Path dataRoot) {
        return builder().members(members).dataRoot(dataRoot).start();
    }

    /** Options beyond the member count: client TLS. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where a member runs: inside network namespace {@code netns} (made by the caller, e.g. a lab), listening
     * on {@code ip} with etcd's standard ports 2379 (clients) and 2380 (peers). The namespaces must reach each
     * other; the fixture runs etcdctl inside the member's namespace.
     */
    public record Placement(String netns, String ip) {
    }

    /** Builder for clusters with options. */
    public static final class Builder {
        private int members = 1;
        private Path dataRoot;
        private boolean tls;
        private List<Placement> placements;
        private List<String> flags = List.of();

        private Builder() {
        }

        /** More etcd command-line flags for every member, e.g. {@code --enable-grpc-gateway=false}. */
        public Builder flags(String... f) {
            this.flags = List.of(f);
            return this;
        }

        /** Number of members (default 1). */
        public Builder members(int n) {
            if (n < 1 || n > 7) {
                throw new IllegalArgumentException("members must be 1..7, got " + n);
            }
            this.members = n;
            return this;
        }

        /** Where the data directories go (default: a fresh temporary directory). */
        public Builder dataRoot(Path dir) {
            this.dataRoot = dir;
            return this;
        }

        /**
         * Serve clients over TLS with client-certificate authentication: a throw-away CA, server and client
         * certificates are generated with {@code openssl} ({@link EtcdCluster#tls()} has their paths).
         */
        public Builder tls(boolean on) {
            this.tls = on;
            return this;
        }

        /**
         * Runs member {@code i} at {@code placements.get(i)} (one per member; sets the member count) instead
         * of on loopback with free ports.
         */
        public Builder placements(List<Placement> p) {
            this.placements = List.copyOf(p);
            return members(p.size());
        }

        /** Starts the members and waits until every one is healthy. */
        public EtcdCluster start() {
            sweepOrphans();
            Path root;
            boolean owns = dataRoot == null;
            try {
                Path base = Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm"))
                        ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
                root = owns ? Files.createTempDirectory(base, UniqueNames.jvmPrefix() + "e-etcd")
                        : Files.createDirectories(dataRoot);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create etcd data root", e);
            }
            EtcdCluster cluster = new EtcdCluster(root, owns, tls ? EtcdTls.generate(root.resolve("tls")) : null);
            cluster.placements = placements;
            cluster.flags = flags;
            LIVE.add(cluster);
            try {
                cluster.launch(members);
                return cluster;
            } catch (RuntimeException | Error e) {
                try {
                    cluster.close();
                } catch (RuntimeException | Error suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }

    private void launch(int n) {
        String token = root.getFileName().toString();
        List<String> hosts = new ArrayList<>();
        List<int[]> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (placements == null) {
                hosts.add("127.0.0.1");
                ports.add(new int[] {LoopbackPorts.unused(), LoopbackPorts.unused()});
            } else {
                hosts.add(placements.get(i).ip());
                ports.add(new int[] {2379, 2380});
            }
        }
        String initialCluster = java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> "m" + i + "=http://" + hosts.get(i) + ":" + ports.get(i)[1])
                .collect(Collectors.joining(","));
        for (int i = 0; i < n; i++) {
            members.add(new EtcdMember(this, i, "m" + i, root.resolve("m" + i), placements == null ? null
                    : placements.get(i).netns(), hosts.get(i), ports.get(i)[0], ports.get(i)[1], initialCluster, token));
        }
        // All members must be running before any can elect a leader.
        for (EtcdMember m : members) {
            m.spawn();
        }
        for (EtcdMember m : members) {
            m.awaitHealthy();
        }
    }

    /** Client URLs of all members ({@code http://127.0.0.1:port}, or https with TLS), in member order. */
    public List<String> endpoints() {
        return members.stream().map(EtcdMember::clientUrl).toList();
    }

    /** {@link #endpoints()} joined with commas, as etcdctl's {@code --endpoints} and most configs take them. */
    public String endpointsCsv() {
        return String.join(",", endpoints());
    }

    /** Member {@code i} (0-based). */
    public EtcdMember member(int i) {
        return members.get(i);
    }

    /** Number of members. */
    public int size() {
        return members.size();
    }

    /** The TLS material when the cluster serves TLS, else null. */
    public EtcdTls tls() {
        return tls;
    }

    /**
     * Enables etcd authentication (RBAC): creates user {@code root} with {@code password} and turns auth on.
     * From then on the fixture's own etcdctl calls authenticate as root.
     */
    public void enableAuth(String password) {
        etcdctl("user", "add", "root:" + password).orThrow();
        etcdctl("auth", "enable").orThrow();
        credentials = new String[] {"--user", "root:" + password};
    }

    /**
     * Adds a user with read-write access to keys under {@code prefix} (auth must be enabled): what a
     * least-privilege agent would get.
     */
    public void addUser(String user, String password, String prefix) {
        String role = "r-" + user;
        etcdctl("user", "add", user + ":" + password).orThrow();
        etcdctl("role", "add", role).orThrow();
        etcdctl("role", "grant-permission", role, "--prefix=true", "readwrite", prefix).orThrow();
        etcdctl("user", "grant-role", user, role).orThrow();
    }

    /**
     * Index of the current leader, waiting up to 15 s for one to be elected. Asks every running member with
     * {@code etcdctl endpoint status} and requires the running members to agree.
     */
    public int leaderIndex() {
        return Poll.until("an etcd leader agreed on by every running member", Duration.ofSeconds(15),
                this::leaderNow, i -> i >= 0);
    }

    private int leaderNow() {
        String leader = null;
        for (EtcdMember m : members) {
            if (!m.running()) {
                continue;
            }
            Cmd.Result r = m.etcdctl("endpoint", "status", "-w", "json");
            if (!r.ok()) {
                return -1;
            }
            // uint64 ids: kept as text (they overflow a long)
            String id = text(MEMBER_ID, r.stdout());
            String l = text(LEADER, r.stdout());
            if (l == null || l.equals("0") || (leader != null && !l.equals(leader))) {
                return -1;
            }
            leader = l;
            m.memberId = id;
        }
        for (EtcdMember m : members) {
            if (m.running() && leader != null && leader.equals(m.memberId)) {
                return m.index();
            }
        }
        return -1;
    }

    /** Compacts the key-value history up to {@code revision} (watches can no longer start at or before it). */
    public void compact(long revision) {
        etcdctl("compaction", "--physical", Long.toString(revision)).orThrow();
    }

    /** Compacts the key-value history up to the current revision (so older watch revisions are gone). */
    public long compact() {
        String out = etcdctl("endpoint", "status", "-w", "json").orThrow().stdout();
        Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("no revision in etcdctl endpoint status: " + out);
        }
        long rev = Long.parseLong(m.group(1));
        etcdctl("compaction", "--physical", Long.toString(rev)).orThrow();
        return rev;
    }

    /**
     * Runs etcdctl (API v3) against every running member with the cluster's TLS and credentials; for
     * independent checks of what the code under test wrote, e.g. {@code etcdctl("get", "--prefix", "/x")}.
     */
    public Cmd.Result etcdctl(String... args) {
        List<EtcdMember> up = members.stream().filter(EtcdMember::running).toList();
        String eps = up.stream().map(EtcdMember::clientUrl).collect(Collectors.joining(","));
        return etcdctlAt(up.isEmpty() ? null : up.getFirst().netns(), eps, args);
    }

    Cmd.Result etcdctlAt(String netns, String endpoints, String... args) {
        List<String> argv = new ArrayList<>();
        if (netns != null) {
            argv.addAll(List.of("ip", "netns", "exec", netns));
        }
        argv.addAll(List.of("env", "ETCDCTL_API=3", ETCDCTL, "--endpoints=" + endpoints,
                "--dial-timeout=2s", "--command-timeout=5s"));
        if (tls != null) {
            argv.addAll(List.of("--cacert=" + tls.caCert(), "--cert=" + tls.clientCert(), "--key=" + tls.clientKey()));
        }
        argv.addAll(List.of(credentials));
        argv.addAll(List.of(args));
        return Cmd.run(Duration.ofSeconds(20), null, argv.toArray(String[]::new));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Kills every member and deletes the data directories. */
    @Override
    public void close() {
        for (EtcdMember m : members) {
            m.kill();
        }
        if (ownsRoot) {
            deleteTree(root);
        } else {
            for (EtcdMember m : members) {
                deleteTree(m.dataDir());
            }
        }
        LIVE.remove(this);
    }

    /**
     * Kills etcd members and deletes data directories left by test JVMs that no longer exist (a JVM killed
     * with SIGKILL runs no shutdown hook). Recognised by the {@code vt<pid>e-etcd} data root in the command
     * line. Runs once per JVM.
     */
    public static void sweepOrphans() {
        if (swept) {
            return;
        }
        swept = true;
        Pattern ours = Pattern.compile("--data-dir=(\\S*/" + UniqueNames.PREFIX + "(\\d+)e-etcd[^/\\s]*)/");
        ProcessHandle.allProcesses().forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            Matcher m = ours.matcher(cmd);
            if (cmd.startsWith(ETCD) && m.find() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
                p.destroyForcibly();
                p.onExit().join();
                deleteTree(Path.of(m.group(1)));
            }
        });
    }

    Path root() {
        return root;
    }

    static String text(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : null;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
