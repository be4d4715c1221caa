import dev.viaduct.ctl.PolicyStore;
import dev.viaduct.lab.CniRuntime;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabSpec;
import dev.viaduct.lab.LabState;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.IngressRule;
import dev.viaduct.policy.model.LabelSelector;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.NetworkPolicySpec;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * NetworkPolicy on a 5-node lab, run by bench/policy/lab:
 * <ol>
 *   <li>policy change → enforced on every node: namespace {@code chg} has a server and a client pod on every node
 *       and a default-deny policy; each change writes a policy allowing the clients, and the time until every
 *       client's probe reaches the server on the next node (so each node enforces as a destination) is the
 *       change's latency; the policy is then deleted and the bench waits until every probe is blocked again;</li>
 *   <li>iperf3 n1 → n2, to a server pod selected by 100 policies (namespace {@code bench}) and to one selected by
 *       none (namespace {@code open}), alternating rounds in the same run;</li>
 *   <li>CNI ADD latency for pods selected by those 100 policies and for pods selected by none, interleaved.</li>
 * </ol>
 */
public final class PolicyLabBench {
    static final PrintStream OUT = System.out;
    static final LabelSelector SERVER = LabelSelector.matchLabels(Map.of("role", "server"));
    static final LabelSelector CLIENT = LabelSelector.matchLabels(Map.of("role", "client"));

    public static void main(String[] args) throws Exception {
        int changes = Integer.parseInt(args[0]);
        int iperfRounds = Integer.parseInt(args[1]);
        int iperfSecs = Integer.parseInt(args[2]);
        int cniPods = Integer.parseInt(args[3]);
        Lab lab = Lab.up(LabSpec.defaults("bpol").withNodes(5).withPodsPerNode(0).withSubnetBase("10.196.0"), OUT);
        try (EtcdDatastore store = EtcdDatastore.connect(StoreOptions.of(List.of(lab.spec().etcdEndpoint()))
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30)))) {
            PolicyStore ps = new PolicyStore(store, Keys.defaults());
            changeLatency(lab, ps, changes);
            iperf(lab, ps, iperfRounds, iperfSecs);
            cniAdd(lab, ps, cniPods);
        } finally {
            lab.down();
        }
    }

    // ------------------------------------------------------------------ 1: change → enforced

    static void changeLatency(Lab lab, PolicyStore ps, int changes) throws Exception {
        ps.putNamespace("chg", Map.of());
        List<String> nodes = lab.nodes();
        List<LabState.Pod> servers = new ArrayList<>();
        List<LabState.Pod> clients = new ArrayList<>();
        for (String n : nodes) {
            servers.add(pod(lab, ps, n, "chg", "srv-" + n, "server", List.of("80/tcp")));
            clients.add(pod(lab, ps, n, "chg", "cli-" + n, "client", List.of()));
        }
        ps.apply(List.of(new NetworkPolicy("chg", "deny", new NetworkPolicySpec(SERVER, List.of(PolicyType.Ingress), List.of(), List.of()))));
        awaitAll(servers, clients, false);
        NetworkPolicy allow = new NetworkPolicy("chg", "allow", new NetworkPolicySpec(SERVER, List.of(PolicyType.Ingress),
                List.of(new IngressRule(List.of(new Peer.Pods(CLIENT, null)), List.of(PolicyPort.number(Protocol.TCP, 80)))), List.of()));
        List<Long> latencies = new ArrayList<>();
        for (int i = -1; i < changes; i++) {
            long t0 = System.nanoTime();
            ps.apply(List.of(allow));
            long took = awaitAll(servers, clients, true) - t0;
            if (i >= 0) { // the first change warms up the agents' JIT and the probes
                latencies.add(took);
            }
            ps.deletePolicy("chg", "allow");
            awaitAll(servers, clients, false);
        }
        OUT.printf("%npolicy change -> enforced on all %d nodes (probe reaches every node's server), %d changes:%n", nodes.size(), changes);
        OUT.printf("  p50 %.0f ms  p99 %.0f ms  max %.0f ms  (goal p99 <= 250 ms)%n", pct(latencies, 50) / 1e6, pct(latencies, 99) / 1e6,
                Collections.max(latencies) / 1e6);
        OUT.printf("  each: %s%n", latencies.stream().map(l -> String.format("%.0f", l / 1e6)).toList());
    }

    /**
     * Probes client i → server i+1 (25 ms per attempt, back to back, all pairs in parallel) until every pair
     * gives {@code allowed}; returns when the last pair did. For "blocked" a pair must fail twice in a row.
     */
    static long awaitAll(List<LabState.Pod> servers, List<LabState.Pod> clients, boolean allowed) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> done = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                LabState.Pod from = clients.get(i);
                LabState.Pod to = servers.get((i + 1) % servers.size());
                done.add(ex.submit(() -> {
                    int streak = 0;
                    while (System.nanoTime() < deadline) {
                        boolean ok = probe(from, to.ips().getFirst());
                        streak = ok == allowed ? streak + 1 : 0;
                        if (streak >= (allowed ? 1 : 2)) {
                            return System.nanoTime();
                        }
                    }
                    throw new IllegalStateException(from.name() + " -> " + to.name() + " never " + (allowed ? "allowed" : "blocked"));
                }));
            }
            long last = 0;
            for (Future<Long> f : done) {
                last = Math.max(last, f.get());
            }
            return last;
        }
    }

    /** One TCP connect (25 ms) to the server's listener, which answers its port number; NetNamespace.run uses a platform thread. */
    static boolean probe(LabState.Pod from, String ip) throws Exception {
        try (NetNamespace ns = NetNamespace.openNamed(from.namespace())) {
            return ns.run(() -> {
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress(java.net.InetAddress.ofLiteral(ip), 80), 25);
                    s.setSoTimeout(250);
                    return new String(s.getInputStream().readNBytes(3), StandardCharsets.US_ASCII).equals("80\n");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        }
    }

    // ------------------------------------------------------------------ 2: iperf3

    static List<NetworkPolicy> hundred(String namespace) {
        List<NetworkPolicy> out = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            out.add(new NetworkPolicy(namespace, "allow-" + i, new NetworkPolicySpec(SERVER, List.of(PolicyType.Ingress),
                    List.of(new IngressRule(List.of(new Peer.Pods(CLIENT, null), new Peer.Pods(CLIENT, LabelSelector.matchLabels(Map.of()))),
                            List.of(PolicyPort.number(Protocol.TCP, 5201), PolicyPort.number(Protocol.TCP, 80),
                                    PolicyPort.number(Protocol.TCP, 9000 + i)))), List.of())));
        }
        return out;
    }

    static void iperf(Lab lab, PolicyStore ps, int rounds, int secs) throws Exception {
        ps.putNamespace("bench", Map.of());
        ps.putNamespace("open", Map.of());
        ps.apply(hundred("bench"));
        LabState.Pod client = pod(lab, ps, "n1", "bench", "ipc", "client", List.of());
        LabState.Pod selected = pod(lab, ps, "n2", "bench", "ips", "server", List.of());
        LabState.Pod open = pod(lab, ps, "n2", "open", "ipo", "server", List.of());
        String table = nft(lab.nodeNamespace("n2"), "list", "table", "inet", "viaduct-policy");
        long jumps = table.lines().filter(l -> l.contains("jump pol-in_bench_allow-")).count();
        OUT.printf("%niperf3 n1 -> n2, %d s per run, %d rounds alternating (ABBA); the selected server's chain jumps to %d policies%n",
                secs, rounds, jumps);
        double sumSel = 0;
        double sumOpen = 0;
        for (int r = 0; r < rounds; r++) {
            // ABBA: neither side always runs first
            double a;
            double b;
            if (r % 2 == 0) {
                a = iperfOnce(client, selected, secs);
                b = iperfOnce(client, open, secs);
            } else {
                b = iperfOnce(client, open, secs);
                a = iperfOnce(client, selected, secs);
            }
            sumSel += a;
            sumOpen += b;
            OUT.printf("  round %d: 100 policies %.2f Gbit/s, none %.2f Gbit/s%n", r + 1, a, b);
        }
        OUT.printf("  mean: 100 policies %.2f Gbit/s, none %.2f Gbit/s, ratio %.3f (goal >= 0.95)%n", sumSel / rounds, sumOpen / rounds,
                sumSel / sumOpen);
    }

    static double iperfOnce(LabState.Pod client, LabState.Pod server, int secs) throws Exception {
        String ip = server.ips().getFirst();
        Process s = new ProcessBuilder("ip", "netns", "exec", server.namespace(), "iperf3", "-s", "-1", "-B", ip, "-p", "5201")
                .redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 100; i++) {
                if (run("ip", "netns", "exec", server.namespace(), "ss", "-ltn").contains(":5201")) {
                    break;
                }
                Thread.sleep(20); // polling a listener another process opens; nothing to wait on
            }
            String json = run("ip", "netns", "exec", client.namespace(), "iperf3", "-c", ip, "-p", "5201", "-t", Integer.toString(secs), "-J");
            var node = CniRuntime.JSON.readTree(json);
            return node.path("end").path("sum_received").path("bits_per_second").asDouble() / 1e9;
        } finally {
            s.destroy();
            s.waitFor();
        }
    }

    // ------------------------------------------------------------------ 3: CNI ADD

    static void cniAdd(Lab lab, PolicyStore ps, int pods) throws Exception {
        CniRuntime rt = lab.runtime("n1");
        for (int i = 0; i < 5; i++) {
            once(rt, ps, "bench", "warm-s" + i, null);
            once(rt, ps, "open", "warm-o" + i, null);
        }
        List<Long> selected = new ArrayList<>();
        List<Long> none = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            once(rt, ps, "bench", "s" + i, selected);
            once(rt, ps, "open", "o" + i, none);
        }
        OUT.printf("%nCNI ADD on n1 over %d pods each, interleaved (the pod record written first, as kube-controllers does):%n", pods);
        OUT.printf("  selected by 100 policies: p50 %.1f ms  p99 %.1f ms%n", pct(selected, 50) / 1e6, pct(selected, 99) / 1e6);
        OUT.printf("  selected by none:         p50 %.1f ms  p99 %.1f ms%n", pct(none, 50) / 1e6, pct(none, 99) / 1e6);
        OUT.printf("  ratio p50 %.2f  p99 %.2f%n", (double) pct(selected, 50) / pct(none, 50), (double) pct(selected, 99) / pct(none, 99));
    }

    static void once(CniRuntime rt, PolicyStore ps, String namespace, String name, List<Long> add) throws Exception {
        ps.putPod(namespace, name, new StoreRecords.PodRecord(Map.of("role", "server"), "n1", List.of()));
        String ns = "vbpol-" + name;
        try (NetNamespace n = NetNamespace.create(ns)) {
            String path = NetNamespace.pathOf(ns).toString();
            String args = "K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + name;
            long t0 = System.nanoTime();
            rt.add("bpol-" + name, path, "eth0", args, null);
            long t1 = System.nanoTime();
            rt.del("bpol-" + name, path, "eth0", args, null);
            if (add != null) {
                add.add(t1 - t0);
            }
        } finally {
            NetNamespace.delete(ns);
            ps.deletePod(namespace, name);
        }
    }

    // ------------------------------------------------------------------ helpers

    static LabState.Pod pod(Lab lab, PolicyStore ps, String node, String namespace, String name, String role, List<String> ports)
            throws Exception {
        ps.putPod(namespace, name, new StoreRecords.PodRecord(Map.of("role", role), node, List.of()));
        return lab.addServingPod(node, namespace, name, ports);
    }

    static String nft(String ns, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, "nft"));
        argv.addAll(List.of(args));
        return run(argv.toArray(String[]::new));
    }

    static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    static long pct(List<Long> xs, int p) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
