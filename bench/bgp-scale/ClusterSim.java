import dev.viaduct.agent.bgp.transport.TcpMd5Transport;
import dev.viaduct.bgp.rib.BestPathChange;
import dev.viaduct.bgp.rib.NextHopResolver;
import dev.viaduct.bgp.speaker.BgpSpeaker;
import dev.viaduct.bgp.speaker.PeerConfig;
import dev.viaduct.bgp.speaker.SocketTransport;
import dev.viaduct.bgp.speaker.SpeakerConfig;
import dev.viaduct.bgp.speaker.Transport;
import dev.viaduct.bgp.wire.Family;
import dev.viaduct.bgp.wire.Prefix;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * bench/bgp-scale: a simulated Viaduct cluster in one JVM. Every node is a {@link BgpSpeaker} configured the
 * way the agent's BgpMode configures its speaker (iBGP AS 64512, multipath, graceful restart 120 s with the
 * restart bit and forwarding preserved, hold 90 s, connect retry 2 s, IPv4 unicast, every next hop
 * reachable), listening on its own loopback address 127.B.x.y, originating its own /26, with one best-path
 * subscriber (as BgpMode has). Topologies as BgpTopology computes them: {@code mesh} (every node peers with
 * every other) or {@code rr} (nodes 0 and 1 are route reflectors sharing cluster ID 244.0.0.1; they peer with
 * each other as non-clients and with every other node as clients; the others peer only with the two).
 *
 * <p>Phases: (1) start every speaker with no peers; (2) add every peer and measure until every session is
 * Established (sampled every 100 ms) and until every node's subscriber has seen every other node's block
 * (initial convergence);
 * (3) 10 s (steadySeconds) of steady state: process CPU time; then heap after a full GC and RSS; (4) NEW_BLOCKS times, one
 * node (a random non-reflector) originates a new /26 and the clock runs until the last subscriber sees it.
 * Prints one {@code result key=value ...} line.
 *
 * <p>java -cp ... ClusterSim mode=mesh|rr nodes=N newBlocks=20 transport=ffm|socket base=77 port=1179 steadySeconds=10
 */
public class ClusterSim {
    static final long ASN = 64512;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new TreeMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            o.put(a.substring(0, eq), a.substring(eq + 1));
        }
        String mode = o.getOrDefault("mode", "mesh");
        int n = Integer.parseInt(o.getOrDefault("nodes", "100"));
        int newBlocks = Integer.parseInt(o.getOrDefault("newBlocks", "20"));
        String transportName = o.getOrDefault("transport", "ffm");
        int base = Integer.parseInt(o.getOrDefault("base", "77"));
        int port = Integer.parseInt(o.getOrDefault("port", "1179"));
        long timeoutMinutes = Long.parseLong(o.getOrDefault("timeoutMinutes", "20"));
        int steadySeconds = Integer.parseInt(o.getOrDefault("steadySeconds", "10"));
        if (!mode.equals("mesh") && !mode.equals("rr")) {
            throw new IllegalArgumentException("mode: mesh or rr, got " + mode);
        }
        Transport transport = transportName.equals("socket") ? SocketTransport.INSTANCE : new TcpMd5Transport();
        boolean rr = mode.equals("rr");
        Inet4Address clusterId = (Inet4Address) InetAddress.getByName("244.0.0.1");

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heap0 = memory.getHeapMemoryUsage().getUsed();
        long rss0 = rssBytes();

        Inet4Address[] addr = new Inet4Address[n];
        for (int i = 0; i < n; i++) {
            addr[i] = (Inet4Address) InetAddress.getByAddress(new byte[] {127, (byte) base, (byte) (i / 250), (byte) (i % 250 + 1)});
        }

        // ---- phase 1: speakers, each with its own block and a subscriber
        BgpSpeaker[] speakers = new BgpSpeaker[n];
        CountDownLatch initial = new CountDownLatch(n);
        AtomicLong lastInitial = new AtomicLong();
        AtomicInteger establishedEnds = new AtomicInteger();
        AtomicLong allEstablishedAt = new AtomicLong();
        Probe[] probe = new Probe[1];
        int sessions = rr ? 2 * (n - 2) + 1 : n * (n - 1) / 2;
        long tStart = System.nanoTime();
        // every FSM transition per (node, peer), printed for the sessions that did not come up when convergence fails
        Map<String, List<String>> history = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            var cfg = SpeakerConfig.builder(ASN, addr[i]).listen(new InetSocketAddress(addr[i], port)).holdTime(90)
                    .connectRetrySeconds(2).idleHoldSeconds(1).multipath(true).families(EnumSet.of(Family.IPV4_UNICAST))
                    .gracefulRestart(new SpeakerConfig.GracefulRestart(120, true, true, 360));
            if (rr && i < 2) {
                cfg.clusterId(clusterId);
            }
            BgpSpeaker s = BgpSpeaker.start(cfg.build(), transport, NextHopResolver.ALL_REACHABLE, System::nanoTime);
            speakers[i] = s;
            String me = "n" + i;
            s.onPeerStateChange(c -> history.computeIfAbsent(me + "->" + c.peer(), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(String.format(Locale.ROOT, "%.3f %s->%s %s", (System.nanoTime() - tStart) / 1e9, c.from(), c.to(), c.cause())));
            s.originate(block(i));
            int self = i;
            Set<Prefix> known = new HashSet<>();
            boolean[] done = new boolean[1];
            s.subscribe(batch -> {
                long now = System.nanoTime();
                Probe p = probe[0];
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
        long startedMs = ms(System.nanoTime() - tStart);
        System.err.printf("started %d speakers in %d ms; adding peers (%d sessions)%n", n, startedMs, sessions);

        // ---- phase 2: peers, as BgpTopology plans them
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) {
                    continue;
                }
                boolean peer;
                boolean client = false;
                if (!rr) {
                    peer = true;
                } else if (i < 2) {
                    peer = true;
                    client = j >= 2; // RFC 4456: a reflector's peers that are not reflectors are its clients
                } else {
                    peer = j < 2;
                }
                if (peer) {
                    speakers[i].addPeer(PeerConfig.builder(addr[j], ASN).name("node:n" + j).port(port).rrClient(client)
                            .localAddress(addr[i]).families(EnumSet.of(Family.IPV4_UNICAST)).build());
                }
            }
        }
        // every 100 ms: how many session ends are Established (a status read, no RIB work)
        Thread watcher = Thread.ofPlatform().daemon().start(() -> {
            while (allEstablishedAt.get() == 0) {
                long up = 0;
                for (BgpSpeaker s : speakers) {
                    up += s.counters().get("peers_established");
                }
                establishedEnds.set((int) up);
                if (up == 2L * sessions) {
                    allEstablishedAt.set(System.nanoTime());
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long peersAddedMs = ms(System.nanoTime() - t0);
        System.err.printf("peers added in %d ms%n", peersAddedMs);
        if (!initial.await(timeoutMinutes, TimeUnit.MINUTES)) {
            System.err.printf("initial convergence not reached in %d min: %d nodes incomplete, %d/%d session ends established%n",
                    timeoutMinutes, initial.getCount(), establishedEnds.get(), 2 * sessions);
            for (int i = 0; i < n; i++) {
                int size = speakers[i].locRibSize(Family.IPV4_UNICAST);
                if (size < n) {
                    System.err.printf("node n%d: Loc-RIB %d of %d prefixes%n", i, size, n);
                    for (var p : speakers[i].peers()) {
                        if (!p.established() || p.accepted() == 0 || p.advertised() == 0) {
                            System.err.printf("  peer %s state=%s received=%d accepted=%d advertised=%d eor=%s lastError=%s%n", p.name(), p.state(),
                                    p.received(), p.accepted(), p.advertised(), p.endOfRib(), p.lastError());
                            String other = p.name().substring("node:".length());
                            System.err.printf("    n%d's transitions: %s%n    %s's transitions: %s%n", i, history.get("n" + i + "->" + p.name()),
                                    other, history.get(other + "->node:n" + i));
                        }
                    }
                }
            }
            System.out.printf("result mode=%s nodes=%d transport=%s sessions=%d failed=initial-convergence-timeout%n", mode, n,
                    transportName, sessions);
            System.exit(2);
        }
        long convergedMs = ms(lastInitial.get() - t0);
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
            int origin = rr ? 2 + rnd.nextInt(n - 2) : rnd.nextInt(n);
            Prefix target = Prefix.v4((10 << 24 | 128 << 16) + j * 64, 26);
            Probe p = new Probe(target, n);
            probe[0] = p;
            long cb = os.getProcessCpuTime();
            long tb = System.nanoTime();
            speakers[origin].originate(target);
            if (!p.latch.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("new block " + target + " reached only " + (n - p.latch.getCount()) + " of " + n + " nodes");
            }
            conv[j] = p.last.get() - tb;
            cpuBlocks += os.getProcessCpuTime() - cb;
            Thread.sleep(500); // let the last UPDATEs drain before the next event
        }
        Arrays.sort(conv);
        double p50 = conv[(int) Math.ceil(0.50 * newBlocks) - 1] / 1e6;
        double p99 = conv[(int) Math.ceil(0.99 * newBlocks) - 1] / 1e6;
        double max = conv[newBlocks - 1] / 1e6;

        System.out.printf(Locale.ROOT, "result mode=%s nodes=%d transport=%s sessions=%d start_ms=%d peers_added_ms=%d established_ms=%d "
                + "converged_ms=%d cpu_initial_ms_per_node=%.1f cpu_steady_ms_per_s_per_node=%.3f heap_mib=%.1f rss_mib=%.1f "
                + "heap_kib_per_node=%.1f rss_kib_per_node=%.1f new_block_p50_ms=%.2f new_block_p99_ms=%.2f new_block_max_ms=%.2f "
                + "cpu_new_block_ms_per_node=%.3f heap0_mib=%.1f rss0_mib=%.1f load=%s%n",
                mode, n, transportName, sessions, startedMs, peersAddedMs, estMs, convergedMs, cpuInitial / 1e6 / n, steadyCpuMsPerSec / n,
                heap / 1048576.0, rss / 1048576.0, (heap - heap0) / 1024.0 / n, (rss - rss0) / 1024.0 / n, p50, p99, max,
                cpuBlocks / 1e6 / newBlocks / n, heap0 / 1048576.0, rss0 / 1048576.0,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        System.out.flush();
        Runtime.getRuntime().halt(0); // 2 x sessions sockets die with the process; a graceful close is not what we measure
    }

    static Prefix block(int i) {
        return Prefix.v4((10 << 24 | 64 << 16) + i * 64, 26);
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    static long rssBytes() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** The arrival of one new prefix at every node: the time of the last arrival ends the measurement. */
    static final class Probe {
        final Prefix target;
        final CountDownLatch latch;
        final AtomicLongArray seen;
        final AtomicLong last = new AtomicLong();

        Probe(Prefix target, int n) {
            this.target = target;
            this.latch = new CountDownLatch(n);
            this.seen = new AtomicLongArray(n);
        }

        void arrive(int node, long now) {
            if (seen.compareAndSet(node, 0, now)) {
                last.accumulateAndGet(now, Math::max);
                latch.countDown();
            }
        }
    }
}
