import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * bench/bgp-scale: one simulated cluster, as {@link ClusterSim} runs it in one JVM, spread over S JVMs ("shards")
 * because one JVM cannot hold its sockets: a full mesh of N nodes has N(N-1) session ends, a socket each, and one
 * process may have only so many open files. Shard K runs the nodes i with i % S == K (ClusterSim's
 * {@code shards=S shard=K} mode); every node still peers with every node of the cluster, over loopback, whatever
 * shard the peer is in.
 *
 * <p>This coordinator starts the shards, takes them through ClusterSim's phases over their stdin/stdout (protocol
 * in {@link ClusterSim#serveShard}) and measures the same figures: the shards report System.nanoTime() stamps
 * (CLOCK_MONOTONIC on Linux, one clock for every process on the machine), so a convergence time is the latest
 * stamp of any shard minus the start this coordinator, or the originating shard, took. Process CPU time, heap and
 * RSS are summed over the shards; the per-JVM baselines (before the first speaker) are subtracted shard by shard.
 * It prints ClusterSim's {@code result} line with {@code shards=S} added. The shards' stderr is this process's.
 *
 * <p>The shards die with the coordinator: killed in a finally block and by a shutdown hook (SIGTERM, Ctrl-C), and,
 * if the coordinator is killed outright, each shard halts when its stdin closes.
 *
 * <p>{@code shards=1} runs the whole cluster in one shard: a control showing that what differs from ClusterSim's
 * own figures with more shards comes from the several JVMs (each JIT-compiles the speaker and has its own fixed
 * memory, counted here per node), not from this way of measuring.
 *
 * <p>java -cp ... ShardedCluster shards=S shardJvmOptions="-Xmx1g ..." mode=mesh|rr nodes=N newBlocks=20
 * transport=ffm|socket base=77 port=1179 steadySeconds=10 timeoutMinutes=20
 */
public class ShardedCluster {
    private final ClusterSim.Cluster cluster;
    private final List<ShardProcess> shards;
    private final String mode;
    private final String transportName;
    private final int newBlocks;
    private final long timeoutMinutes;
    private final int steadySeconds;

    private ShardedCluster(ClusterSim.Cluster cluster, List<ShardProcess> shards, String mode, String transportName, int newBlocks,
            long timeoutMinutes, int steadySeconds) {
        this.cluster = cluster;
        this.shards = shards;
        this.mode = mode;
        this.transportName = transportName;
        this.newBlocks = newBlocks;
        this.timeoutMinutes = timeoutMinutes;
        this.steadySeconds = steadySeconds;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = ClusterSim.options(args);
        String mode = o.getOrDefault("mode", "mesh");
        int n = Integer.parseInt(o.getOrDefault("nodes", "100"));
        int newBlocks = Integer.parseInt(o.getOrDefault("newBlocks", "20"));
        String transportName = o.getOrDefault("transport", "ffm");
        int base = Integer.parseInt(o.getOrDefault("base", "77"));
        int port = Integer.parseInt(o.getOrDefault("port", "1179"));
        long timeoutMinutes = Long.parseLong(o.getOrDefault("timeoutMinutes", "20"));
        int steadySeconds = Integer.parseInt(o.getOrDefault("steadySeconds", "10"));
        int shardCount = Integer.parseInt(o.getOrDefault("shards", "2"));
        List<String> jvmOptions = Arrays.stream(o.getOrDefault("shardJvmOptions", "").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        ClusterSim.Cluster cluster = ClusterSim.Cluster.of(mode, n, base, port, shardCount);

        List<ShardProcess> shards = new CopyOnWriteArrayList<>();
        // SIGTERM and Ctrl-C run the hook; a SIGKILL does not, but then the shards' stdin closes and they halt
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ShardProcess.killAll(shards)));
        int status;
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            for (int k = 0; k < shardCount; k++) {
                List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
                command.addAll(jvmOptions);
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), "ClusterSim", "mode=" + mode, "nodes=" + n,
                        "transport=" + transportName, "base=" + base, "port=" + port, "shards=" + shardCount, "shard=" + k));
                shards.add(ShardProcess.launch(k, command));
            }
            status = new ShardedCluster(cluster, shards, mode, transportName, newBlocks, timeoutMinutes, steadySeconds).run();
            for (ShardProcess s : shards) {
                s.sendQuietly("exit");
            }
        } catch (IllegalStateException | TimeoutException e) {
            // a shard died or stopped answering: say so in the log (the run script then keeps it), no result line
            System.err.println("sharded run failed: " + e.getMessage());
            status = 1;
        } finally {
            ShardProcess.killAll(shards);
        }
        System.exit(status);
    }

    /** ClusterSim's phases, each shard doing its part; returns the exit status (2: did not converge, as ClusterSim). */
    private int run() throws Exception {
        int n = cluster.nodes();
        int sessions = cluster.sessions();
        // how long a shard may take to answer a command (start, GC, ...): not less than 5 min, however short the
        // convergence timeout
        long replyTimeout = TimeUnit.MINUTES.toNanos(Math.max(5, timeoutMinutes));

        List<String[]> ready = collect("ready", replyTimeout);
        long heap0 = sum(ready, 1);
        long rss0 = sum(ready, 2);

        // ---- phase 1: every shard starts its speakers; none adds a peer before all listen
        long tStart = System.nanoTime();
        request("start " + tStart, "started", replyTimeout); // one clock for the FSM histories of every shard
        long startedMs = ClusterSim.ms(System.nanoTime() - tStart);
        System.err.printf("started %d speakers in %d ms over %d shards; adding peers (%d sessions)%n", n, startedMs, shards.size(), sessions);

        // ---- phase 2: peers
        long t0 = System.nanoTime();
        long[] cpu0 = column(request("peer", "peers-added", replyTimeout), 1);
        long peersAddedMs = ClusterSim.ms(System.nanoTime() - t0);
        System.err.printf("peers added in %d ms%n", peersAddedMs);
        long convergedAt;
        try {
            convergedAt = latest("converged", t0 + TimeUnit.MINUTES.toNanos(timeoutMinutes));
        } catch (TimeoutException e) {
            List<String[]> diagnosed = new ArrayList<>();
            for (ShardProcess s : shards) { // one at a time, so that their reports do not interleave
                s.send("diagnose");
                diagnosed.add(s.reply("diagnosed", System.nanoTime() + replyTimeout));
            }
            System.err.printf("initial convergence not reached in %d min: %d nodes incomplete, %d/%d session ends established%n",
                    timeoutMinutes, sum(diagnosed, 1), sum(diagnosed, 2), 2 * sessions);
            System.out.println(ClusterSim.Result.failed(mode, n, transportName, OptionalInt.of(shards.size()), sessions, "initial-convergence-timeout"));
            return 2;
        }
        long convergedMs = ClusterSim.ms(convergedAt - t0);
        long cpuInitial = sum(column(request("cpu", "cpu", replyTimeout), 1)) - sum(cpu0);
        long estMs;
        try {
            estMs = ClusterSim.ms(latest("established", System.nanoTime() + TimeUnit.SECONDS.toNanos(60)) - t0);
        } catch (TimeoutException e) {
            estMs = -1; // as ClusterSim: some session end was down at every sample within a minute of convergence
        }
        System.err.printf("initial convergence %d ms (all sessions established at %d ms)%n", convergedMs, estMs);

        // ---- phase 3: steady state; each shard's CPU rate over its own interval, summed
        Thread.sleep(3000);
        List<String[]> c1 = request("cpu", "cpu", replyTimeout);
        Thread.sleep(steadySeconds * 1000L);
        List<String[]> c2 = request("cpu", "cpu", replyTimeout);
        double steadyCpuMsPerSec = 0;
        for (int k = 0; k < shards.size(); k++) {
            long cpu = Long.parseLong(c2.get(k)[1]) - Long.parseLong(c1.get(k)[1]);
            long wall = Long.parseLong(c2.get(k)[2]) - Long.parseLong(c1.get(k)[2]);
            steadyCpuMsPerSec += cpu / 1e6 / (wall / 1e9);
        }
        List<String[]> mem = request("mem", "mem", replyTimeout);
        long heap = sum(mem, 1);
        long rss = sum(mem, 2);

        // ---- phase 4: one new block at a time, the same origins as ClusterSim picks; the clock runs from the
        // originating shard's stamp to the latest arrival in any shard
        Random rnd = new Random(7);
        long[] conv = new long[newBlocks];
        long cpuBlocks = 0;
        for (int j = 0; j < newBlocks; j++) {
            int origin = cluster.randomOrigin(rnd);
            long[] cb = column(request("probe " + j, "armed", replyTimeout), 2);
            ShardProcess owner = shards.get(cluster.shardOf(origin));
            owner.send("originate " + j + " " + origin);
            long tb = Long.parseLong(owner.reply("originated", System.nanoTime() + replyTimeout)[2]);
            long last;
            try {
                last = latest("arrived " + j, System.nanoTime() + TimeUnit.MINUTES.toNanos(2));
            } catch (TimeoutException e) {
                throw new IllegalStateException("new block " + ClusterSim.newBlock(j) + " did not reach every shard's nodes in 2 min: " + e.getMessage());
            }
            conv[j] = last - tb;
            cpuBlocks += sum(column(request("cpu", "cpu", replyTimeout), 1)) - sum(cb);
            Thread.sleep(500); // let the last UPDATEs drain before the next event
        }

        System.out.println(new ClusterSim.Result(mode, n, transportName, OptionalInt.of(shards.size()), sessions, startedMs, peersAddedMs, estMs, convergedMs,
                cpuInitial, steadyCpuMsPerSec, heap, rss, heap0, rss0, conv, cpuBlocks).line());
        System.out.flush();
        return 0;
    }

    /** Sends a command to every shard (so that they work in parallel), then collects their answers, in shard order. */
    private List<String[]> request(String command, String answer, long timeoutNanos) throws InterruptedException, TimeoutException {
        for (ShardProcess s : shards) {
            s.send(command);
        }
        return collect(answer, timeoutNanos);
    }

    private List<String[]> collect(String answer, long timeoutNanos) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeoutNanos;
        List<String[]> answers = new ArrayList<>();
        for (ShardProcess s : shards) {
            answers.add(s.reply(answer, deadline));
        }
        return answers;
    }

    /** The latest time stamp of an event every shard reports ("event KEY... T"). */
    private long latest(String key, long deadline) throws InterruptedException, TimeoutException {
        long latest = Long.MIN_VALUE;
        for (ShardProcess s : shards) {
            try {
                String[] w = s.event(key).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                latest = Math.max(latest, Long.parseLong(w[w.length - 1]));
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new TimeoutException("shard " + s.index + " has not reported " + key);
            }
        }
        return latest;
    }

    private static long[] column(List<String[]> answers, int index) {
        return answers.stream().mapToLong(w -> Long.parseLong(w[index])).toArray();
    }

    private static long sum(List<String[]> answers, int index) {
        return sum(column(answers, index));
    }

    private static long sum(long[] values) {
        return Arrays.stream(values).sum();
    }

    /** One shard's JVM: commands go to its stdin; its stdout is read into answers (in order) and events (by key). */
    static final class ShardProcess {
        private static final String[] GONE = new String[0];

        final int index;
        private final Process process;
        private final BufferedWriter stdin;
        private final BlockingQueue<String[]> answers = new LinkedBlockingQueue<>();
        private final Map<String, CompletableFuture<String[]>> events = new ConcurrentHashMap<>();
        private volatile boolean gone;

        private ShardProcess(int index, Process process) {
            this.index = index;
            this.process = process;
            this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        }

        static ShardProcess launch(int index, List<String> command) throws IOException {
            Process p = new ProcessBuilder(command).redirectError(Redirect.INHERIT).start();
            ShardProcess s = new ShardProcess(index, p);
            Thread.ofPlatform().daemon().name("shard-" + index + "-stdout").start(s::readStdout);
            return s;
        }

        private void readStdout() {
            try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    String[] w = line.trim().split(" ");
                    if (w[0].equals("event") && w.length >= 3) {
                        String key = String.join(" ", Arrays.copyOfRange(w, 1, w.length - 1));
                        events.computeIfAbsent(key, k -> new CompletableFuture<>()).complete(w);
                    } else {
                        answers.add(w);
                    }
                }
            } catch (IOException e) {
                // the pipe broke: the same as the end of it
            }
            gone = true;
            answers.add(GONE);
            events.values().forEach(f -> f.completeExceptionally(exited()));
        }

        private IllegalStateException exited() {
            try {
                process.waitFor(1, TimeUnit.SECONDS); // for the exit status in the message
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String status = process.isAlive() ? "closed its stdin or stdout" : "exited with status " + process.exitValue();
            return new IllegalStateException("shard " + index + " " + status + " (its stderr is above)");
        }

        void send(String command) {
            try {
                stdin.write(command);
                stdin.newLine();
                stdin.flush();
            } catch (IOException e) {
                throw exited(); // its end of the pipe is closed
            }
        }

        void sendQuietly(String command) {
            try {
                send(command);
            } catch (RuntimeException e) {
                // already gone
            }
        }

        /** The next answer, which must be of the given kind. */
        String[] reply(String kind, long deadline) throws InterruptedException, TimeoutException {
            String[] w = answers.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (w == null) {
                throw new TimeoutException("shard " + index + " did not answer " + kind);
            }
            if (w == GONE) {
                answers.add(GONE); // for whoever asks next
                throw exited();
            }
            if (!w[0].equals(kind)) {
                throw new IllegalStateException("shard " + index + ": expected " + kind + ", got " + String.join(" ", w));
            }
            return w;
        }

        CompletableFuture<String[]> event(String key) {
            CompletableFuture<String[]> f = events.computeIfAbsent(key, k -> new CompletableFuture<>());
            if (gone) {
                f.completeExceptionally(exited()); // no effect if the event came before the end
            }
            return f;
        }

        /**
         * Ends every shard: first by closing its stdin (a shard reading commands halts at once), then SIGTERM for
         * those still there after 2 s (busy with a command), then SIGKILL after 3 s more.
         */
        static void killAll(List<ShardProcess> shards) {
            for (ShardProcess s : shards) {
                try {
                    s.stdin.close();
                } catch (IOException e) {
                    // closed already
                }
            }
            awaitExit(shards, 2);
            shards.forEach(s -> s.process.destroy());
            awaitExit(shards, 3);
            shards.forEach(s -> s.process.destroyForcibly());
        }

        private static void awaitExit(List<ShardProcess> shards, int seconds) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            try {
                for (ShardProcess s : shards) {
                    s.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the caller kills them outright next
            }
        }
    }
}
