import dev.viaduct.agent.bgp.BgpTopology;
import dev.viaduct.bgp.rib.BestPathChange;
import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SocketTransport;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.bgp.transport.TcpMd5Transport;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.sys.net.IpPrefix;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * bench/bgp-scale: a simulated Viaduct cluster in one JVM. Every node is a {@link BgpSpeaker} configured the
 * way the agent's BgpMode configures its speaker (iBGP AS 64512, multipath, graceful restart 120 s with the
 * restart bit and forwarding preserved, hold 90 s, connect retry 2 s, IPv4 unicast, every next hop
 * reachable), listening on its own loopback address 127.B.x.y, originating its own /26, with one best-path
 * subscriber (as BgpMode has). Topologies as BgpTopology computes them: {@code mesh} (every node peers with
 * every other; of each pair, the node with the higher address connects and the other waits) or {@code rr} (nodes 0 and 1 are route reflectors sharing cluster ID 244.0.0.1; they peer with
 * each other as non-clients and with every other node as clients; the others peer only with the two).
 *
 * <p>Phases: (1) start every speaker with no peers; (2) add every peer and measure until every session is
 * Established (sampled every 100 ms) and until every node's subscriber has seen every other node's block
 * (initial convergence);
 * (3) 10 s (steadySeconds) of steady state: process CPU time; then heap after a full GC and RSS; (4) NEW_BLOCKS times, one
 * node (a random non-reflector) originates a new /26 and the clock runs until the last subscriber sees it.
 * Prints one {@code result key=value ...} line.
 *
 * <p>With {@code shards=S shard=K} the JVM is one shard of a cluster spread over S processes by
 * {@code ShardedCluster}: it runs only the nodes i with i % S == K, which peer with every node of the cluster as
 * above (the others are just other loopback addresses, served by the other shards), and it runs the phases when
 * the coordinator says so over a line protocol on stdin/stdout ({@link #serveShard}). One process holds one socket
 * per session end of its own nodes, so a mesh too large for one process's open-file limit fits in several.
 *
 * <p>java -cp ... ClusterSim mode=mesh|rr nodes=N newBlocks=20 transport=ffm|socket base=77 port=1179 steadySeconds=10
 * [shards=S shard=K]
 */
public class ClusterSim {
    static final long ASN = 64512;

    /** Held here: JUL keeps loggers only weakly, and a collected one forgets its level. */
    static final java.util.logging.Logger SPEAKER_LOGS = java.util.logging.Logger.getLogger("dev.viaduct");

    public static void main(String[] args) throws Exception {
        // The speakers' INFO lines (every session's state changes) cost CPU the simulated cluster has to share:
        // hundreds of thousands of session ends in one machine log what 500 machines would log each for itself.
        // WARNING and above still show; LOG_LEVEL=INFO restores them.
        SPEAKER_LOGS.setLevel(java.util.logging.Level.parse(System.getenv().getOrDefault("LOG_LEVEL", "WARNING")));
        // Format one record now: the first one loads the time-zone data (a file). Formatted first during the
        // start-up burst, when a shard is at its open-file limit, that load failed for good and every later log
        // call threw NoClassDefFoundError, which ended the threads that logged (the speakers' accept loops).
        SPEAKER_LOGS.warning("ClusterSim: speaker logs at " + SPEAKER_LOGS.getLevel() + " (LOG_LEVEL)");
        Map<String, String> o = options(args);
        String mode = o.getOrDefault("mode", "mesh");
        int n = Integer.parseInt(o.getOrDefault("nodes", "100"));
        int newBlocks = Integer.parseInt(o.getOrDefault("newBlocks", "20"));
        String transportName = o.getOrDefault("transport", "ffm");
        int base = Integer.parseInt(o.getOrDefault("base", "77"));
        int port = Integer.parseInt(o.getOrDefault("port", "1179"));
        long timeoutMinutes = Long.parseLong(o.getOrDefault("timeoutMinutes", "20"));
        int steadySeconds = Integer.parseInt(o.getOrDefault("steadySeconds", "10"));
        int shards = Integer.parseInt(o.getOrDefault("shards", "1"));
        Cluster cluster = Cluster.of(mode, n, base, port, shards);
        Transport transport = transportName.equals("socket") ? SocketTransport.INSTANCE : new TcpMd5Transport();
        if (o.containsKey("shard")) { // started by ShardedCluster (shards=1 too: a control for the multi-JVM figures)
            int shard = Integer.parseInt(o.get("shard"));
            if (shard < 0 || shard >= shards) {
                throw new IllegalArgumentException("shard: 0 to " + (shards - 1) + ", got " + shard);
            }
            serveShard(cluster, shard, transport);
            return;
        }
        if (shards != 1) {
            throw new IllegalArgumentException("shards=" + shards + " without shard=K: ShardedCluster starts the shards");
        }

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heap0 = memory.getHeapMemoryUsage().getUsed();
        long rss0 = rssBytes();

        // ---- phase 1: speakers, each with its own block and a subscriber
        int sessions = cluster.sessions();
        long tStart = System.nanoTime();
        LocalNodes nodes = new LocalNodes(cluster, 0, transport);
        nodes.start(tStart);
        long startedMs = ms(System.nanoTime() - tStart);
        System.err.printf("started %d speakers in %d ms; adding peers (%d sessions)%n", n, startedMs, sessions);

        // ---- phase 2: peers, as BgpTopology plans them
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        nodes.addPeers();
        AtomicLong allEstablishedAt = new AtomicLong();
        Thread watcher = nodes.watchEstablished(allEstablishedAt::set);
        long peersAddedMs = ms(System.nanoTime() - t0);
        System.err.printf("peers added in %d ms%n", peersAddedMs);
        if (!nodes.initial.await(timeoutMinutes, TimeUnit.MINUTES)) {
            System.err.printf("initial convergence not reached in %d min: %d nodes incomplete, %d/%d session ends established%n",
                    timeoutMinutes, nodes.initial.getCount(), nodes.establishedEnds(), 2 * sessions);
            nodes.printIncomplete();
            System.out.println(Result.failed(mode, n, transportName, OptionalInt.empty(), sessions, "initial-convergence-timeout"));
            System.exit(2);
        }
        long convergedMs = ms(nodes.lastInitial.get() - t0);
        long cpuInitial = os.getProcessCpuTime() - cpu0;
        watcher.join(60_000);
        long estMs = allEstablishedAt.get() == 0 ? -1 : ms(allEstablishedAt.get() - t0);
        System.err.printf("initial convergence %d ms (all sessions established at %d ms)%n", convergedMs, estMs);

        // ---- phase 3: steady state
        Thread.sleep(3000);
        long c1 = os.getProcessCpuTime();
        long w1 = System.nanoTime();
        Thread.sleep(steadySeconds * 1000L);
        double steadyCpuMsPerSec = (os.getProcessCpuTime() - c1) / 1e6 / ((System.nanoTime() - w1) / 1e9);
        System.gc();
        System.gc();
        long heap = memory.getHeapMemoryUsage().getUsed();
        long rss = rssBytes();

        // ---- phase 4: one new block at a time
        Random rnd = new Random(7);
        long[] conv = new long[newBlocks];
        long cpuBlocks = 0;
        for (int j = 0; j < newBlocks; j++) {
            int origin = cluster.randomOrigin(rnd);
            IpPrefix target = newBlock(j);
            Probe p = nodes.arm(target);
            long cb = os.getProcessCpuTime();
            long tb = System.nanoTime();
            nodes.speaker(origin).originate(target);
            if (!p.latch.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("new block " + target + " reached only " + (n - p.latch.getCount()) + " of " + n + " nodes");
            }
            conv[j] = p.last.get() - tb;
            cpuBlocks += os.getProcessCpuTime() - cb;
            Thread.sleep(500); // let the last UPDATEs drain before the next event
        }

        System.out.println(new Result(mode, n, transportName, OptionalInt.empty(), sessions, startedMs, peersAddedMs, estMs, convergedMs, cpuInitial,
                steadyCpuMsPerSec, heap, rss, heap0, rss0, conv, cpuBlocks).line());
        System.out.flush();
        Runtime.getRuntime().halt(0); // 2 x sessions sockets die with the process; a graceful close is not what we measure
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new TreeMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            o.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return o;
    }

    static IpPrefix block(int i) {
        return IpPrefix.v4((10 << 24 | 64 << 16) + i * 64, 26);
    }

    /** The /26 originated by the j-th new-block event. */
    static IpPrefix newBlock(int j) {
        return IpPrefix.v4((10 << 24 | 128 << 16) + j * 64, 26);
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    static long rssBytes() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * One shard of a cluster that ShardedCluster spreads over several JVMs. The coordinator sends one command a
     * line on stdin; the answers go to stdout, one line each, and nothing else does (the speakers log to stderr).
     * Times are System.nanoTime() stamps: CLOCK_MONOTONIC, so the coordinator can compare those of different
     * processes on this machine. Asynchronous reports start with "event" and end with their time stamp.
     *
     * <pre>
     * (at start)                ready HEAP0 RSS0          heap after a GC and RSS before any speaker
     * start T0                  started                   this shard's speakers listen, with their blocks; T0:
     *                                                     the zero of the FSM histories' clock, the same in all
     * peer                      peers-added CPU0          every peer added; CPU0: process CPU time before
     *                           event established T       (later) every session end of this shard's nodes is up
     *                           event converged T         (later) every node here has every other node's block
     * cpu                       cpu CPU T                 process CPU time (ns) and when it was read
     * mem                       mem HEAP RSS              heap after two full GCs, RSS
     * probe J                   armed J CPU               watch for new block J
     *                           event arrived J T         (later) the last node here has block J
     * originate J I             originated J T            node I (ours) originated new block J at T
     * diagnose                  diagnosed INCOMPLETE UP   stuck sessions printed to stderr; counts of this shard
     * exit, or stdin closed     (the process halts)
     * </pre>
     */
    static void serveShard(Cluster cluster, int shard, Transport transport) throws IOException {
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heap0 = memory.getHeapMemoryUsage().getUsed();
        long rss0 = rssBytes();
        LocalNodes nodes = new LocalNodes(cluster, shard, transport);
        reply("ready", heap0, rss0);
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split(" ");
                switch (w[0]) {
                    case "start" -> {
                        nodes.start(Long.parseLong(w[1]));
                        reply("started");
                    }
                    case "peer" -> {
                        long cpu0 = cpuNanos();
                        Thread.ofVirtual().start(() -> {
                            awaitUninterruptibly(nodes.initial);
                            reply("event", "converged", nodes.lastInitial.get());
                        });
                        nodes.addPeers();
                        nodes.watchEstablished(at -> reply("event", "established", at));
                        reply("peers-added", cpu0);
                    }
                    case "cpu" -> reply("cpu", cpuNanos(), System.nanoTime());
                    case "mem" -> {
                        System.gc();
                        System.gc();
                        reply("mem", memory.getHeapMemoryUsage().getUsed(), rssBytes());
                    }
                    case "probe" -> {
                        int j = Integer.parseInt(w[1]);
                        Probe p = nodes.arm(newBlock(j));
                        Thread.ofVirtual().start(() -> {
                            awaitUninterruptibly(p.latch);
                            reply("event", "arrived", j, p.last.get());
                        });
                        reply("armed", j, cpuNanos());
                    }
                    case "originate" -> {
                        int j = Integer.parseInt(w[1]);
                        int origin = Integer.parseInt(w[2]);
                        long tb = System.nanoTime();
                        nodes.speaker(origin).originate(newBlock(j));
                        reply("originated", j, tb);
                    }
                    case "diagnose" -> {
                        nodes.printIncomplete();
                        reply("diagnosed", nodes.initial.getCount(), nodes.establishedEnds());
                    }
                    case "exit" -> Runtime.getRuntime().halt(0);
                    default -> throw new IllegalArgumentException("unknown command: " + line);
                }
            }
        } catch (Throwable e) {
            System.err.printf("shard %d: %s%n", shard, e);
            e.printStackTrace();
            Runtime.getRuntime().halt(1); // the coordinator sees our stdout close and gives up
        }
        // stdin closed: the coordinator is gone (it may have been killed outright), and so is the point of running
        Runtime.getRuntime().halt(0);
    }

    /** One answer line to the coordinator; the lock keeps lines of concurrent events whole. */
    static void reply(Object... words) {
        String line = Stream.of(words).map(String::valueOf).collect(Collectors.joining(" "));
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }

    static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // nothing interrupts these waiters; keep waiting
            }
        }
    }

    /**
     * The simulated cluster: its topology, the nodes' addresses, and which shard runs each node (round robin, so
     * that rr's two reflectors, which hold most of its sessions, land in different shards).
     */
    record Cluster(boolean rr, int nodes, int base, int port, int shards) {
        static Cluster of(String mode, int nodes, int base, int port, int shards) {
            if (!mode.equals("mesh") && !mode.equals("rr")) {
                throw new IllegalArgumentException("mode: mesh or rr, got " + mode);
            }
            if (shards < 1 || shards > nodes) {
                throw new IllegalArgumentException("shards: 1 to " + nodes + ", got " + shards);
            }
            return new Cluster(mode.equals("rr"), nodes, base, port, shards);
        }

        Inet4Address address(int i) {
            try {
                return (Inet4Address) InetAddress.getByAddress(new byte[] {127, (byte) base, (byte) (i / 250), (byte) (i % 250 + 1)});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // only for a wrong address length
            }
        }

        int shardOf(int i) {
            return i % shards;
        }

        int sessions() {
            return rr ? 2 * (nodes - 2) + 1 : nodes * (nodes - 1) / 2;
        }

        /** Whether node i has node j as its peer (always mutual). */
        boolean peers(int i, int j) {
            return i != j && (!rr || i < 2 || j < 2);
        }

        /** Whether node i reflects to node j as a client: RFC 4456, a reflector's peers that are not reflectors. */
        boolean client(int i, int j) {
            return rr && i < 2 && j >= 2;
        }

        /** The number of peers of node i: one session end, one socket, each. */
        int sessionEnds(int i) {
            return !rr || i < 2 ? nodes - 1 : 2;
        }

        /** The originator of a new-block event: a node that is not a reflector. */
        int randomOrigin(Random rnd) {
            return rr ? 2 + rnd.nextInt(nodes - 2) : rnd.nextInt(nodes);
        }
    }

    /** The speakers one JVM runs: every node of the cluster, or those of one shard. */
    static final class LocalNodes {
        final Cluster cluster;
        final int shard;
        final Transport transport;
        final BgpSpeaker[] speakers; // by node index; null for the nodes of other shards
        final int count;
        /** One count per local node, released when it has seen every other node's block. */
        final CountDownLatch initial;
        final AtomicLong lastInitial = new AtomicLong();
        /** Every FSM transition per (node, peer), printed for the sessions that did not come up when convergence fails. */
        final Map<String, List<String>> history = new ConcurrentHashMap<>();
        volatile Probe probe;

        LocalNodes(Cluster cluster, int shard, Transport transport) {
            this.cluster = cluster;
            this.shard = shard;
            this.transport = transport;
            this.speakers = new BgpSpeaker[cluster.nodes()];
            int c = 0;
            for (int i = 0; i < cluster.nodes(); i++) {
                c += runs(i) ? 1 : 0;
            }
            this.count = c;
            this.initial = new CountDownLatch(c);
        }

        boolean runs(int i) {
            return cluster.shardOf(i) == shard;
        }

        BgpSpeaker speaker(int i) {
            if (!runs(i)) {
                throw new IllegalArgumentException("node n" + i + " runs in shard " + cluster.shardOf(i) + ", not " + shard);
            }
            return speakers[i];
        }

        /** Starts the local speakers; the FSM histories count seconds from clockZero (a System.nanoTime() stamp). */
        void start(long clockZero) throws IOException {
            int n = cluster.nodes();
            Inet4Address clusterId = (Inet4Address) InetAddress.getByName("244.0.0.1");
            for (int i = 0; i < n; i++) {
                if (!runs(i)) {
                    continue;
                }
                Inet4Address addr = cluster.address(i);
                var cfg = SpeakerConfig.builder(ASN, addr).listen(new InetSocketAddress(addr, cluster.port())).holdTime(90)
                        .connectRetrySeconds(2).idleHoldSeconds(1).multipath(true).families(EnumSet.of(Family.IPV4_UNICAST))
                        .gracefulRestart(new SpeakerConfig.GracefulRestart(120, true, true, 360));
                if (cluster.rr() && i < 2) {
                    cfg.clusterId(clusterId);
                }
                BgpSpeaker s = BgpSpeaker.start(cfg.build(), transport, NextHopResolver.ALL_REACHABLE, System::nanoTime);
                speakers[i] = s;
                String me = "n" + i;
                s.onPeerStateChange(c -> history.computeIfAbsent(me + "->" + c.peer(), k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(String.format(Locale.ROOT, "%.3f %s->%s %s", (System.nanoTime() - clockZero) / 1e9, c.from(), c.to(), c.cause())));
                s.originate(block(i));
                int self = i;
                Set<IpPrefix> known = new HashSet<>();
                boolean[] done = new boolean[1];
                s.subscribe(batch -> {
                    long now = System.nanoTime();
                    Probe p = probe;
                    for (BestPathChange c : batch) {
                        if (p != null && c.prefix().equals(p.target) && (c.local() || !c.withdrawn())) {
                            p.arrive(self, now);
                        }
                        if (!c.local() && !c.withdrawn() && known.add(c.prefix()) && !done[0] && known.size() >= n - 1) {
                            done[0] = true;
                            lastInitial.accumulateAndGet(now, Math::max);
                            initial.countDown();
                        }
                    }
                });
            }
        }

        /** Every local node's peers, as BgpTopology plans them; peers in other shards are just other addresses. */
        void addPeers() {
            int n = cluster.nodes();
            for (int i = 0; i < n; i++) {
                if (!runs(i)) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    if (cluster.peers(i, j)) {
                        // node-to-node sessions have one connecting end, the higher address (BgpTopology.waitsFor)
                        speakers[i].addPeer(PeerConfig.builder(cluster.address(j), ASN).name("node:n" + j).port(cluster.port())
                                .rrClient(cluster.client(i, j)).passive(BgpTopology.waitsFor(cluster.address(i), cluster.address(j))).localAddress(cluster.address(i)).families(EnumSet.of(Family.IPV4_UNICAST))
                                .build());
                    }
                }
            }
        }

        /** The session ends of the local nodes: both ends of every session when one JVM runs the whole cluster. */
        long expectedEnds() {
            long ends = 0;
            for (int i = 0; i < cluster.nodes(); i++) {
                ends += runs(i) ? cluster.sessionEnds(i) : 0;
            }
            return ends;
        }

        long establishedEnds() {
            long up = 0;
            for (BgpSpeaker s : speakers) {
                up += s == null ? 0 : s.counters().get("peers_established");
            }
            return up;
        }

        /** Every 100 ms: how many local session ends are Established (a status read, no RIB work), until all are. */
        Thread watchEstablished(LongConsumer allUp) {
            long expected = expectedEnds();
            return Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    if (establishedEnds() == expected) {
                        allUp.accept(System.nanoTime());
                        return;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        /** Watch for a new block at every local node, from now on. */
        Probe arm(IpPrefix target) {
            Probe p = new Probe(target, cluster.nodes(), count);
            probe = p;
            return p;
        }

        /** The local nodes whose Loc-RIB misses blocks, and their sessions that did not come up or exchanged nothing. */
        void printIncomplete() {
            int n = cluster.nodes();
            for (int i = 0; i < n; i++) {
                if (!runs(i)) {
                    continue;
                }
                int size = speakers[i].locRibSize(Family.IPV4_UNICAST);
                if (size < n) {
                    // one write per node: the speakers (and other shards) write to the same stderr meanwhile
                    var report = new StringBuilder(String.format("node n%d: Loc-RIB %d of %d prefixes%n", i, size, n));
                    for (var p : speakers[i].peers()) {
                        if (!p.established() || p.accepted() == 0 || p.advertised() == 0) {
                            report.append(String.format("  peer %s state=%s received=%d accepted=%d advertised=%d eor=%s lastError=%s%n", p.name(),
                                    p.state(), p.received(), p.accepted(), p.advertised(), p.endOfRib(), p.lastError()));
                            String other = p.name().substring("node:".length());
                            int j = Integer.parseInt(other.substring(1));
                            String otherSide = runs(j) ? String.valueOf(history.get(other + "->node:n" + i))
                                    : "(in shard " + cluster.shardOf(j) + ", which prints its side if " + other + " is incomplete too)";
                            report.append(String.format("    n%d's transitions: %s%n    %s's transitions: %s%n", i,
                                    history.get("n" + i + "->" + p.name()), other, otherSide));
                        }
                    }
                    System.err.print(report);
                    System.err.flush();
                }
            }
        }
    }

    /** The arrival of one new prefix at every local node: the time of the last arrival ends the measurement. */
    static final class Probe {
        final IpPrefix target;
        final CountDownLatch latch;
        final AtomicLongArray seen;
        final AtomicLong last = new AtomicLong();

        Probe(IpPrefix target, int nodes, int localNodes) {
            this.target = target;
            this.latch = new CountDownLatch(localNodes);
            this.seen = new AtomicLongArray(nodes);
        }

        void arrive(int node, long now) {
            if (seen.compareAndSet(node, 0, now)) {
                last.accumulateAndGet(now, Math::max);
                latch.countDown();
            }
        }
    }

    /**
     * The figures of one run, as the {@code result} line prints them: whole-cluster totals (summed over the shards
     * when there are several), per node divided by the node count, heap and RSS net of the JVMs' own before the
     * first speaker. {@code shards}: empty when ClusterSim ran the cluster itself, whose line is then as it always was;
     * ShardedCluster's lines have {@code shards=S}.
     */
    record Result(String mode, int nodes, String transport, OptionalInt shards, int sessions, long startMs, long peersAddedMs, long establishedMs,
            long convergedMs, long cpuInitialNanos, double steadyCpuMsPerSec, long heapBytes, long rssBytes, long heap0Bytes, long rss0Bytes,
            long[] newBlockNanos, long cpuNewBlocksNanos) {
        String line() {
            long[] conv = newBlockNanos.clone();
            Arrays.sort(conv);
            int events = conv.length;
            double p50 = conv[(int) Math.ceil(0.50 * events) - 1] / 1e6;
            double p99 = conv[(int) Math.ceil(0.99 * events) - 1] / 1e6;
            double max = conv[events - 1] / 1e6;
            return String.format(Locale.ROOT, "result mode=%s nodes=%d transport=%s%s sessions=%d start_ms=%d peers_added_ms=%d established_ms=%d "
                    + "converged_ms=%d cpu_initial_ms_per_node=%.1f cpu_steady_ms_per_s_per_node=%.3f heap_mib=%.1f rss_mib=%.1f "
                    + "heap_kib_per_node=%.1f rss_kib_per_node=%.1f new_block_p50_ms=%.2f new_block_p99_ms=%.2f new_block_max_ms=%.2f "
                    + "cpu_new_block_ms_per_node=%.3f heap0_mib=%.1f rss0_mib=%.1f load=%s",
                    mode, nodes, transport, shardsKey(shards), sessions, startMs, peersAddedMs, establishedMs, convergedMs,
                    cpuInitialNanos / 1e6 / nodes, steadyCpuMsPerSec / nodes, heapBytes / 1048576.0, rssBytes / 1048576.0,
                    (heapBytes - heap0Bytes) / 1024.0 / nodes, (rssBytes - rss0Bytes) / 1024.0 / nodes, p50, p99, max,
                    cpuNewBlocksNanos / 1e6 / events / nodes, heap0Bytes / 1048576.0, rss0Bytes / 1048576.0, load());
        }

        static String failed(String mode, int nodes, String transport, OptionalInt shards, int sessions, String reason) {
            return String.format(Locale.ROOT, "result mode=%s nodes=%d transport=%s%s sessions=%d failed=%s", mode, nodes, transport,
                    shardsKey(shards), sessions, reason);
        }

        private static String shardsKey(OptionalInt shards) {
            return shards.isPresent() ? " shards=" + shards.getAsInt() : "";
        }

        private static String load() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            } catch (IOException e) {
                return "-";
            }
        }
    }
}
