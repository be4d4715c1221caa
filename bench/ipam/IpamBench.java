import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamConfig;
import dev.viaduct.ipam.IpamStats;
import dev.viaduct.ipam.KnownNodes;
import dev.viaduct.ipam.Pool;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import dev.viaduct.testsupport.etcd.EtcdCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Measures IPAM allocations against a real etcd and compares, in the same run, with a bare etcd
 * compare-and-swap and with the host-local CNI IPAM plugin. Prints one table and the ratios.
 */
public class IpamBench {
    static final int N = 1_000;
    static final int CONCURRENCY = 16;
    static final String HOST_LOCAL = "/usr/lib/cni/host-local";

    record Result(String what, int ops, double seconds, long[] latenciesNanos) {
        double perSecond() {
            return ops / seconds;
        }

        double pct(double p) {
            long[] s = latenciesNanos.clone();
            Arrays.sort(s);
            return s[Math.min(s.length - 1, (int) Math.ceil(p / 100 * s.length) - 1)] / 1e6;
        }

        String row() {
            return String.format("| %-48s | %6d | %10.0f | %8.2f | %8.2f |", what, ops, perSecond(), pct(50), pct(99));
        }
    }

    public static void main(String[] args) throws Exception {
        boolean tmpfsOnly = List.of(args).contains("--tmpfs-only");
        List<Result> all = new ArrayList<>();
        all.addAll(pass("tmpfs", null));
        if (!tmpfsOnly) {
            Path disk = Files.createTempDirectory(Path.of("/var/tmp"), "vt" + ProcessHandle.current().pid() + "e-etcd-bench");
            try {
                all.addAll(pass("disk", disk));
            } finally {
                try (var s = Files.walk(disk)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        all.addAll(hostLocal());
        System.out.println();
        System.out.println("| benchmark                                        |    ops |      ops/s | p50 (ms) | p99 (ms) |");
        System.out.println("|--------------------------------------------------|-------:|-----------:|---------:|---------:|");
        all.forEach(r -> System.out.println(r.row()));
        System.out.println();
        Result hlSeq = find(all, "host-local sequential");
        Result hlConc = find(all, "host-local 16-way");
        for (String medium : List.of("tmpfs", "disk")) {
            Result seq = find(all, "viaduct ipam sequential (etcd on " + medium + ")");
            if (seq == null) {
                continue;
            }
            Result conc = find(all, "viaduct ipam 16-way (etcd on " + medium + ")");
            Result cas = find(all, "etcd CAS txn sequential (etcd on " + medium + ")");
            System.out.printf("ratios (etcd on %s): ipam/CAS sequential throughput %.2f, p50 %.2f; ipam/host-local sequential %.2f, "
                    + "16-way %.2f%n", medium, seq.perSecond() / cas.perSecond(), seq.pct(50) / cas.pct(50),
                    seq.perSecond() / hlSeq.perSecond(), conc.perSecond() / hlConc.perSecond());
        }
    }

    static Result find(List<Result> rs, String what) {
        return rs.stream().filter(r -> r.what().equals(what)).findFirst().orElse(null);
    }

    static List<Result> pass(String medium, Path dataRoot) throws Exception {
        List<Result> out = new ArrayList<>();
        try (EtcdCluster etcd = EtcdCluster.start(1, dataRoot);
                EtcdDatastore store = EtcdDatastore.connect(StoreOptions.of(etcd.endpoints()))) {
            Keys keys = new Keys("/bench");
            KnownNodes nodes = new KnownNodes() {
                public Set<String> names() {
                    return Set.of("n1");
                }

                public Optional<Map<String, String>> labels(String node) {
                    return Optional.of(Map.of());
                }
            };
            Ipam ipam = new Ipam(store, keys, IpamConfig.defaults(), nodes, InstantSource.system());
            ipam.createPool(Pool.of("10.200.0.0/16"));
            // warm-up (JIT, connections, first block claimed), not measured
            for (int i = 0; i < 200; i++) {
                ipam.assign("warm." + i, "n1", true, false, Map.of());
            }
            for (int i = 0; i < 200; i++) {
                ipam.releaseByHandle("warm." + i);
            }
            // the floor: one compare-and-swap transaction per operation
            store.put("/bench/cas", "0".getBytes(StandardCharsets.UTF_8));
            long[] casRev = {store.get("/bench/cas").orElseThrow().modRevision()};
            out.add(measure("etcd CAS txn sequential (etcd on " + medium + ")", 1, i -> {
                byte[] v = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
                var r = store.txn(dev.viaduct.store.Txn.builder().ifModRevision("/bench/cas", casRev[0]).put("/bench/cas", v).build());
                if (!r.succeeded()) {
                    throw new IllegalStateException("CAS lost with no competitor");
                }
                casRev[0] = r.revision(); // the put's mod_revision: one round trip per operation
            }, true));

            IpamStats before = ipam.stats();
            out.add(measure("viaduct ipam sequential (etcd on " + medium + ")", 1,
                    i -> ipam.assign("seq." + i, "n1", true, false, Map.of("k8s.pod", "bench/p" + i)), false));
            IpamStats mid = ipam.stats();
            out.add(measure("viaduct ipam 16-way (etcd on " + medium + ")", CONCURRENCY,
                    i -> ipam.assign("conc." + i, "n1", true, false, Map.of("k8s.pod", "bench/q" + i)), false));
            IpamStats after = ipam.stats();
            out.add(measure("viaduct ipam release sequential (etcd on " + medium + ")", 1,
                    i -> ipam.releaseByHandle("seq." + i), false));
            System.out.printf("etcd on %s: round trips per allocation: sequential %.3f, 16-way %.3f; CAS conflicts %d%n", medium,
                    (double) (mid.assignRoundTrips() - before.assignRoundTrips()) / (mid.assigns() - before.assigns()),
                    (double) (after.assignRoundTrips() - mid.assignRoundTrips()) / (after.assigns() - mid.assigns()),
                    after.conflicts() - before.conflicts());
            if (!ipam.check().consistent()) {
                throw new IllegalStateException("check failed after the benchmark: " + ipam.check());
            }
        }
        return out;
    }

    static List<Result> hostLocal() throws Exception {
        List<Result> out = new ArrayList<>();
        if (!Files.isExecutable(Path.of(HOST_LOCAL))) {
            System.out.println("host-local not found at " + HOST_LOCAL + " (containernetworking-plugins): reference skipped");
            return out;
        }
        Path dir = Files.createTempDirectory("vt" + ProcessHandle.current().pid() + "-host-local");
        try {
            String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"ipam\":{\"type\":\"host-local\","
                    + "\"ranges\":[[{\"subnet\":\"10.201.0.0/16\"}]],\"dataDir\":\"" + dir + "\"}}";
            AtomicInteger ids = new AtomicInteger();
            IntConsumer add = i -> {
                try {
                    ProcessBuilder pb = new ProcessBuilder(HOST_LOCAL);
                    Map<String, String> env = pb.environment();
                    env.put("CNI_COMMAND", "ADD");
                    env.put("CNI_CONTAINERID", "c" + ids.incrementAndGet());
                    env.put("CNI_NETNS", "/var/run/netns/bench");
                    env.put("CNI_IFNAME", "eth0");
                    env.put("CNI_PATH", "/usr/lib/cni");
                    pb.redirectErrorStream(true);
                    Process p = pb.start();
                    try (var in = p.getOutputStream()) {
                        in.write(conf.getBytes(StandardCharsets.UTF_8));
                    }
                    String res = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || !res.contains("10.201.")) {
                        throw new IllegalStateException("host-local failed: " + res);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            for (int i = 0; i < 50; i++) {
                add.accept(i); // warm the page cache
            }
            out.add(measure("host-local sequential", 1, add, false));
            out.add(measure("host-local 16-way", CONCURRENCY, add, false));
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return out;
    }

    /** Runs {@code op} N times over {@code threads} virtual threads; per-op latency and wall time. */
    static Result measure(String what, int threads, IntConsumer op, boolean quiet) throws Exception {
        long[] lat = new long[N];
        AtomicInteger next = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofVirtual().start(() -> {
                int i;
                while ((i = next.getAndIncrement()) < N) {
                    long s = System.nanoTime();
                    op.accept(i);
                    lat[i] = System.nanoTime() - s;
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        Result r = new Result(what, N, (System.nanoTime() - start) / 1e9, lat);
        System.out.println(r.row());
        return r;
    }
}
