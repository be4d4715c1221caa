import dev.viaduct.lab.CniRuntime;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.netlink.NetNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * CNI ADD/DEL latency as a runtime sees it: Viaduct (shim → agent) against the reference ptp + host-local
 * plugins, exec'd the same way (inside the node's namespace) and interleaved pod by pod so both see the same
 * machine load. Run by bench/cni/run.
 *
 * <p>Burst mode ({@code burst N...}): N pods ADDed at once (every call released by one latch, as a runtime
 * starting a scaled-up deployment does), then the same N DELed at once, Viaduct's burst then ptp's for each
 * size, so both see the same machine. Prints wall time of each burst and per-call p50/p99.
 */
public class CniBench {
    public static void main(String[] args) throws Exception {
        boolean burst = args.length > 0 && args[0].equals("burst");
        List<Integer> sizes = new ArrayList<>();
        for (int i = burst ? 1 : 0; i < args.length; i++) {
            sizes.add(Integer.parseInt(args[i]));
        }
        if (sizes.isEmpty()) {
            sizes.add(100);
        }
        int pods = sizes.getFirst();
        Lab lab = Lab.up(LabSpec.defaults("bcni").withNodes(1).withPodsPerNode(0).withSubnetBase("10.199.0"), System.out);
        Path tmp = Files.createTempDirectory("bench-cni");
        try {
            String node = "n1";
            String nodeNs = lab.nodeNamespace(node);
            Path ptpConf = tmp.resolve("ptp.conflist");
            Files.writeString(ptpConf, """
                    {"cniVersion": "1.0.0", "name": "ptpbench", "plugins": [{"type": "ptp", "ipMasq": false, "mtu": 1500,
                     "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.250.0.0/16"}]], "dataDir": "%s"}}]}
                    """.formatted(tmp.resolve("host-local")));
            CniRuntime viaduct = lab.runtime(node);
            CniRuntime ptp = new CniRuntime(ptpConf, List.of(Path.of("/usr/lib/cni")), tmp.resolve("ptp-cache"), nodeNs);

            // warm-up: the agent's JIT and both plugins' page cache
            for (int i = 0; i < 10; i++) {
                once(viaduct, "warmv" + i, tmp, null, null);
                once(ptp, "warmp" + i, tmp, null, null);
            }
            if (burst) {
                System.out.printf("%nCNI bursts: N pods ADDed at once, then DELed at once (wall = first call started to last answered)%n");
                System.out.printf("%-22s %5s %9s %9s %9s %9s %9s %9s%n", "", "N", "ADD wall", "ADD p50", "ADD p99",
                        "DEL wall", "DEL p50", "DEL p99");
                for (int n : sizes) {
                    Burst v = burst(viaduct, "bv" + n + "-", n);
                    Burst p = burst(ptp, "bp" + n + "-", n);
                    v.print("viaduct (shim+agent)", n);
                    p.print("ptp + host-local", n);
                    System.out.printf("%-22s %5d %9.2f %9s %9s %9.2f%n", "ratio viaduct/ptp", n, (double) v.addWall / p.addWall,
                            "", "", (double) v.delWall / p.delWall);
                }
                System.out.printf("load average after: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
                // the agent logs each call's ipamMs/dataplaneMs: kept for a look at where a burst spends its time
                Path log = Path.of(System.getProperty("java.io.tmpdir"), "bench-cni-agent.log");
                Files.copy(lab.dir().resolve(node).resolve("agent.log"), log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                System.out.println("agent log: " + log);
                return;
            }
            List<Long> vAdd = new ArrayList<>(), vDel = new ArrayList<>(), pAdd = new ArrayList<>(), pDel = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                once(viaduct, "v" + i, tmp, vAdd, vDel);
                once(ptp, "p" + i, tmp, pAdd, pDel);
            }
            long base = baseline(nodeNs);
            System.out.printf("%nCNI latency over %d pods, exec'd inside the node namespace (ip netns exec: %.1f ms of each figure)%n",
                    pods, base / 1e6);
            System.out.printf("%-22s %10s %10s %10s %10s%n", "", "ADD p50", "ADD p99", "DEL p50", "DEL p99");
            row("viaduct (shim+agent)", vAdd, vDel);
            row("ptp + host-local", pAdd, pDel);
            System.out.printf("%-22s %10.2f %10.2f %10.2f %10.2f%n", "ratio viaduct/ptp",
                    (double) pct(vAdd, 50) / pct(pAdd, 50), (double) pct(vAdd, 99) / pct(pAdd, 99),
                    (double) pct(vDel, 50) / pct(pDel, 50), (double) pct(vDel, 99) / pct(pDel, 99));
        } finally {
            lab.down();
            try (var s = Files.walk(tmp)) {
                s.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void once(CniRuntime rt, String id, Path tmp, List<Long> add, List<Long> del) throws Exception {
        String ns = "vbcni-" + id;
        try (NetNamespace n = NetNamespace.create(ns)) {
            String path = NetNamespace.pathOf(ns).toString();
            long t0 = System.nanoTime();
            rt.add("bench-" + id, path, "eth0", "", null);
            long t1 = System.nanoTime();
            rt.del("bench-" + id, path, "eth0", "", null);
            long t2 = System.nanoTime();
            if (add != null) {
                add.add(t1 - t0);
                del.add(t2 - t1);
            }
        } finally {
            NetNamespace.delete(ns);
        }
    }

    record Burst(long addWall, List<Long> add, long delWall, List<Long> del) {
        void print(String name, int n) {
            System.out.printf("%-22s %5d %7.0fms %7.0fms %7.0fms %7.0fms %7.0fms %7.0fms%n", name, n, addWall / 1e6,
                    pct(add, 50) / 1e6, pct(add, 99) / 1e6, delWall / 1e6, pct(del, 50) / 1e6, pct(del, 99) / 1e6);
        }
    }

    /** N namespaces made beforehand (not timed); N ADDs released at once; then N DELs released at once. */
    static Burst burst(CniRuntime rt, String prefix, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = prefix + i;
            NetNamespace.create("vbcni-" + id).close();
            ids.add(id);
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long[] addWall = new long[1];
            List<Long> add = phase(pool, ids, addWall, id -> rt.add("bench-" + id, NetNamespace.pathOf("vbcni-" + id).toString(), "eth0", "", null));
            long[] delWall = new long[1];
            List<Long> del = phase(pool, ids, delWall, id -> rt.del("bench-" + id, NetNamespace.pathOf("vbcni-" + id).toString(), "eth0", "", null));
            return new Burst(addWall[0], add, delWall[0], del);
        } finally {
            for (String id : ids) {
                NetNamespace.delete("vbcni-" + id);
            }
        }
    }

    interface Call {
        void run(String id) throws Exception;
    }

    static List<Long> phase(ExecutorService pool, List<String> ids, long[] wall, Call call) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> fs = new ArrayList<>();
        for (String id : ids) {
            fs.add(pool.submit(() -> {
                go.await();
                long t0 = System.nanoTime();
                call.run(id);
                return System.nanoTime() - t0;
            }));
        }
        long t0 = System.nanoTime();
        go.countDown();
        List<Long> out = new ArrayList<>();
        for (Future<Long> f : fs) {
            out.add(f.get());
        }
        wall[0] = System.nanoTime() - t0;
        return out;
    }

    static long baseline(String nodeNs) throws Exception {
        List<Long> t = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long t0 = System.nanoTime();
            new ProcessBuilder("ip", "netns", "exec", nodeNs, "true").start().waitFor();
            t.add(System.nanoTime() - t0);
        }
        return pct(t, 50);
    }

    static long pct(List<Long> xs, int p) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    static void row(String name, List<Long> add, List<Long> del) {
        System.out.printf("%-22s %8.1fms %8.1fms %8.1fms %8.1fms%n", name, pct(add, 50) / 1e6, pct(add, 99) / 1e6,
                pct(del, 50) / 1e6, pct(del, 99) / 1e6);
    }
}
