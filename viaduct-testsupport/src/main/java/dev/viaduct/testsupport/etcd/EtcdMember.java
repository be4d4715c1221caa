package dev.viaduct.testsupport.etcd;

import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One etcd member of an {@link EtcdCluster}: a child process with its own data directory and ports. It can
 * be stopped (SIGTERM, etcd shuts down cleanly), killed (SIGKILL, as in a crash) and started again with the
 * same data directory and ports, so it rejoins the cluster as the same member.
 */
public final class EtcdMember {
    private final EtcdCluster cluster;
    private final int index;
    private final String name;
    private final Path dataDir;
    private final String netns;
    private final String host;
    private final int clientPort;
    private final int peerPort;
    private final String initialCluster;
    private final String token;
    private Process process;
    volatile String memberId;

    EtcdMember(EtcdCluster cluster, int index, String name, Path dataDir, String netns, String host, int clientPort,
            int peerPort, String initialCluster, String token) {
        this.cluster = cluster;
        this.index = index;
        this.name = name;
        this.dataDir = dataDir;
        this.netns = netns;
        this.host = host;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.initialCluster = initialCluster;
        this.token = token;
    }

    /** 0-based position in the cluster. */
    public int index() {
        return index;
    }

    /** Member name ({@code m0}, {@code m1}, ...). */
    public String name() {
        return name;
    }

    /** This member's client URL. */
    public String clientUrl() {
        return (cluster.tls() == null ? "http" : "https") + "://" + host + ":" + clientPort;
    }

    /** The network namespace the member runs in, or null for the caller's (loopback). */
    public String netns() {
        return netns;
    }

    /** This member's data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** The file etcd's output goes to. */
    public Path logFile() {
        return cluster.root().resolve(name + ".log");
    }

    /** Whether the process is alive. */
    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** The OS pid of the running process, or -1. */
    public synchronized long pid() {
        return running() ? process.pid() : -1;
    }

    /** Stops the member cleanly (SIGTERM) and waits for it to exit. */
    public synchronized void stop() {
        if (!running()) {
            return;
        }
        process.destroy();
        waitExit();
    }

    /** Kills the member (SIGKILL), like a crash, and waits for the process to be gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitExit();
    }

    /** Starts the member again (same data directory and ports) and waits until it reports healthy. */
    public void start() {
        spawn();
        awaitHealthy();
    }

    synchronized void spawn() {
        if (running()) {
            throw new IllegalStateException(name + " is already running");
        }
        String scheme = cluster.tls() == null ? "http" : "https";
        String client = scheme + "://" + host + ":" + clientPort;
        List<String> argv = new ArrayList<>();
        if (netns != null) {
            // ip netns exec execs etcd: the process we hold is etcd itself
            argv.addAll(List.of("ip", "netns", "exec", netns));
        }
        argv.addAll(List.of(EtcdCluster.ETCD,
                "--name=" + name,
                "--data-dir=" + dataDir,
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=http://" + host + ":" + peerPort,
                "--initial-advertise-peer-urls=http://" + host + ":" + peerPort,
                "--initial-cluster=" + initialCluster,
                "--initial-cluster-token=" + token,
                // ignored by etcd once the data directory exists, so restarts rejoin as the same member
                "--initial-cluster-state=new",
                "--logger=zap", "--log-level=warn",
                // a test may compact explicitly; nothing else should
                "--auto-compaction-retention=0"));
        argv.addAll(cluster.flags);
        EtcdTls tls = cluster.tls();
        if (tls != null) {
            argv.addAll(List.of("--cert-file=" + tls.serverCert(), "--key-file=" + tls.serverKey(),
                    "--trusted-ca-file=" + tls.caCert(), "--client-cert-auth=true"));
        }
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + EtcdCluster.ETCD + " (install etcd-server: scripts/setup)", e);
        }
    }

    /**
     * Waits up to 20 s until {@code etcdctl endpoint health} succeeds against this member (which needs a
     * quorum: the health check is a linearizable read). Fails with the end of the member's log.
     */
    public void awaitHealthy() {
        try {
            Poll.until(name + " healthy at " + clientUrl(), Duration.ofSeconds(20), () -> {
                if (!running()) {
                    throw new AssertionError(name + " exited: " + logTail());
                }
                return etcdctl("endpoint", "health").ok();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- " + logFile() + " ---\n" + logTail(), e);
        }
    }

    /** The last 4 KiB of the member's log, for error messages. */
    public String logTail() {
        try {
            if (!Files.exists(logFile())) {
                return "";
            }
            String s = Files.readString(logFile());
            return s.length() <= 4096 ? s : s.substring(s.length() - 4096);
        } catch (IOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    private void waitExit() {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name + "@" + clientUrl() + (running() ? "" : " (down)");
    }

    /** Runs etcdctl against this member only (inside its namespace, if it has one). */
    public Cmd.Result etcdctl(String... args) {
        return cluster.etcdctlAt(netns, clientUrl(), args);
    }
}
