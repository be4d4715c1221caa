import dev.viaduct.policy.compile.NodeCompiler;
import dev.viaduct.policy.compile.PolicyCompiler;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.EgressRule;
import dev.viaduct.policy.model.IngressRule;
import dev.viaduct.policy.model.IpBlock;
import dev.viaduct.policy.model.LabelSelector;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.NetworkPolicySpec;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Peer;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.policy.model.PolicyPort;
import dev.viaduct.policy.model.PolicyType;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.policy.nft.NftScript;
import dev.viaduct.policy.nft.Ruleset;
import dev.viaduct.policy.nft.RulesetDelta;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The measuring side of bench/policy, run inside the network namespace it applies to (as the agent runs nft in
 * its own): a cluster of PODS pods on NODES nodes (PODS/NODES on the measured node n0), 100 namespaces and
 * POLICIES policies (pod, namespace and combined selectors, numbered, named and ranged ports, ipBlocks with
 * excepts, ingress and egress), compiled for n0 and applied with nft; then one local pod added at a time, two
 * ways in the same run: recompiled from scratch and diffed against the applied ruleset (what the agent did
 * before), and put into the incremental {@link NodeCompiler} and drained as a delta (what it does now); each
 * delta applied with nft. Also the read-back ({@code nft -j list table}) the agent does after an apply. Prints
 * one line per measurement, medians over rounds.
 */
public final class PolicyBench {
    static final int NAMESPACES = 100;

    public static void main(String[] args) throws Exception {
        int pods = Integer.parseInt(args[0]);
        int nodes = Integer.parseInt(args[1]);
        int policies = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        List<InetAddress> nodeIps = List.of(IpAddresses.parse("192.168.0.1"));
        Cluster c = cluster(pods, nodes, policies, List.of());

        double[] compile = new double[rounds];
        double[] render = new double[rounds];
        double[] apply = new double[rounds];
        double[] list = new double[rounds];
        Ruleset r = null;
        for (int i = -2; i < rounds; i++) {
            long t0 = System.nanoTime();
            r = PolicyCompiler.compile(c, "n0", nodeIps);
            long t1 = System.nanoTime();
            String script = NftScript.render(r);
            long t2 = System.nanoTime();
            nft(script, "-f", "-");
            long t3 = System.nanoTime();
            nft("", "-j", "list", "table", "inet", PolicyCompiler.TABLE);
            long t4 = System.nanoTime();
            if (i >= 0) {
                compile[i] = (t1 - t0) / 1e6;
                render[i] = (t2 - t1) / 1e6;
                apply[i] = (t3 - t2) / 1e6;
                list[i] = (t4 - t3) / 1e6;
            }
        }
        int elements = r.sets().stream().mapToInt(s -> s.elements().size()).sum();
        System.out.printf("cluster pods=%d nodes=%d local=%d namespaces=%d policies=%d%n", pods, nodes, pods / nodes, NAMESPACES, policies);
        System.out.printf("ruleset rules=%d chains=%d sets=%d setElements=%d counters=%d scriptBytes=%d%n", r.ruleCount(),
                r.chains().size(), r.sets().size(), elements, r.counters().size(), NftScript.render(r).length());
        System.out.printf("full compile ms=%.1f render ms=%.1f nft ms=%.1f total ms=%.1f (read-back: nft -j list table ms=%.1f)%n",
                median(compile), median(render), median(apply), median(sum(compile, render, apply)), median(list));

        // one local pod at a time, recompiled from scratch and diffed (the way before the incremental compiler)
        List<Pod> extra = new ArrayList<>();
        double[] dCompile = new double[rounds];
        double[] dRender = new double[rounds];
        double[] dApply = new double[rounds];
        int lines = 0;
        for (int i = -2; i < rounds; i++) {
            extra.add(newPod(extra.size()));
            Cluster next = cluster(pods, nodes, policies, extra);
            long t0 = System.nanoTime();
            Ruleset nr = PolicyCompiler.compile(next, "n0", nodeIps);
            long t1 = System.nanoTime();
            String delta = NftScript.renderUpdate(r, nr);
            long t2 = System.nanoTime();
            nft(delta, "-f", "-");
            long t3 = System.nanoTime();
            r = nr;
            if (i >= 0) {
                dCompile[i] = (t1 - t0) / 1e6;
                dRender[i] = (t2 - t1) / 1e6;
                dApply[i] = (t3 - t2) / 1e6;
                lines = delta.split("\n").length;
            }
        }
        System.out.printf("pod added, recompiled: compile ms=%.1f renderUpdate ms=%.1f nft ms=%.1f total ms=%.1f deltaLines=%d%n",
                median(dCompile), median(dRender), median(dApply), median(sum(dCompile, dRender, dApply)), lines);

        // the same, incrementally: the compiler holds the cluster, one pod put and the delta drained
        NodeCompiler nc = new NodeCompiler("n0", nodeIps);
        Cluster now = cluster(pods, nodes, policies, extra);
        long b0 = System.nanoTime();
        now.namespaces().forEach(nc::putNamespace);
        for (int i = 0; i < now.pods().size(); i++) {
            nc.putPod(now.pods().get(i).hostVeth(), now.pods().get(i));
        }
        now.policies().forEach(nc::putPolicy);
        Ruleset built = nc.ruleset();
        long b1 = System.nanoTime();
        nc.drain();
        if (!built.equals(r)) {
            throw new IllegalStateException("the incremental compiler's table differs from the one compiled from scratch");
        }
        System.out.printf("incremental compiler built from nothing ms=%.1f%n", (b1 - b0) / 1e6);
        double[] iCompile = new double[rounds];
        double[] iRender = new double[rounds];
        double[] iApply = new double[rounds];
        for (int i = -2; i < rounds; i++) {
            Pod p = newPod(extra.size());
            extra.add(p);
            long t0 = System.nanoTime();
            nc.putPod(p.hostVeth(), p);
            RulesetDelta d = nc.drain();
            long t1 = System.nanoTime();
            String delta = NftScript.render(d);
            long t2 = System.nanoTime();
            nft(delta, "-f", "-");
            long t3 = System.nanoTime();
            if (i >= 0) {
                iCompile[i] = (t1 - t0) / 1e6;
                iRender[i] = (t2 - t1) / 1e6;
                iApply[i] = (t3 - t2) / 1e6;
                lines = delta.split("\n").length;
            }
        }
        Ruleset fresh = PolicyCompiler.compile(cluster(pods, nodes, policies, extra), "n0", nodeIps);
        if (!fresh.equals(nc.ruleset())) {
            throw new IllegalStateException("after the incremental pods, the compiler's table differs from a compile from scratch");
        }
        System.out.printf("pod added, incremental: put+drain ms=%.2f render ms=%.2f nft ms=%.1f total ms=%.1f deltaLines=%d%n",
                median(iCompile), median(iRender), median(iApply), median(sum(iCompile, iRender, iApply)), lines);
        double[] rmCompile = new double[rounds];
        double[] rmApply = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            Pod p = extra.removeLast();
            long t0 = System.nanoTime();
            nc.removePod(p.hostVeth());
            String delta = NftScript.render(nc.drain());
            long t1 = System.nanoTime();
            nft(delta, "-f", "-");
            long t2 = System.nanoTime();
            rmCompile[i] = (t1 - t0) / 1e6;
            rmApply[i] = (t2 - t1) / 1e6;
        }
        System.out.printf("pod removed, incremental: remove+drain+render ms=%.2f nft ms=%.1f total ms=%.1f%n", median(rmCompile),
                median(rmApply), median(sum(rmCompile, rmApply)));
    }

    static Pod newPod(int n) {
        int k = n + 1;
        return new Pod("ns" + (k % NAMESPACES), "new" + k, Map.of("app", "app" + (k % 50), "role", "r" + (k % 5)),
                List.of(IpAddresses.parse("10.250." + (k / 250) + "." + (k % 250))), "n0", String.format("vdcf%010x", k),
                List.of(new ContainerPort("http", 8080, Protocol.TCP)));
    }

    static double[] sum(double[]... parts) {
        double[] out = new double[parts[0].length];
        for (double[] p : parts) {
            for (int i = 0; i < out.length; i++) {
                out[i] += p[i];
            }
        }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static void nft(String stdin, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("nft"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("nft " + String.join(" ", args) + " failed: " + out);
        }
    }

    static Cluster cluster(int pods, int nodes, int policies, List<Pod> extra) {
        List<Namespace> nss = new ArrayList<>();
        for (int i = 0; i < NAMESPACES; i++) {
            nss.add(new Namespace("ns" + i, Map.of("team", "t" + (i % 10), "env", "e" + (i % 3))));
        }
        List<Node> ns = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            ns.add(new Node("n" + i, List.of(IpAddresses.parse("192.168." + (i / 250) + "." + (1 + i % 250)))));
        }
        List<Pod> ps = new ArrayList<>(extra);
        for (int i = 0; i < pods; i++) {
            String node = "n" + (i % nodes);
            // the pods of one node spread over every namespace, each selected by its namespace's policies
            ps.add(new Pod("ns" + ((i / nodes) % NAMESPACES), "p" + i, Map.of("app", "app" + ((i / nodes) % 50), "role", "r" + (i % 5)),
                    List.of(IpAddresses.parse("10.244." + (i / 256) + "." + (i % 256))), node, String.format("vdc%011x", i),
                    i % 2 == 0 ? List.of(new ContainerPort("http", 8080, Protocol.TCP)) : List.of()));
        }
        List<NetworkPolicy> pol = new ArrayList<>();
        for (int j = 0; j < policies; j++) {
            String namespace = "ns" + (j % NAMESPACES);
            LabelSelector sel = LabelSelector.matchLabels(Map.of("app", "app" + (j % 50)));
            Peer peer = switch (j % 4) {
                case 0 -> new Peer.Pods(LabelSelector.matchLabels(Map.of("role", "r" + (j % 5))), null);
                case 1 -> new Peer.Pods(null, LabelSelector.matchLabels(Map.of("team", "t" + (j % 10))));
                case 2 -> new Peer.Pods(LabelSelector.matchLabels(Map.of("role", "r" + (j % 5))),
                        LabelSelector.matchLabels(Map.of("env", "e" + (j % 3))));
                default -> new Peer.Block(new IpBlock(IpPrefix.parse("10.244.0.0/16"),
                        List.of(IpPrefix.parse("10.244." + (j % 40) + ".0/24"))));
            };
            PolicyPort port = switch (j % 3) {
                case 0 -> PolicyPort.number(Protocol.TCP, 80);
                case 1 -> PolicyPort.named(Protocol.TCP, "http");
                default -> PolicyPort.range(Protocol.TCP, 8000, 8100);
            };
            List<PolicyType> types = j % 5 == 0 ? List.of(PolicyType.Ingress, PolicyType.Egress) : List.of(PolicyType.Ingress);
            List<EgressRule> egress = j % 5 == 0
                    ? List.of(new EgressRule(List.of(), List.of(PolicyPort.number(Protocol.UDP, 53))), new EgressRule(List.of(peer), List.of()))
                    : List.of();
            pol.add(new NetworkPolicy(namespace, "pol" + j, new NetworkPolicySpec(sel, types,
                    List.of(new IngressRule(List.of(peer), List.of(port))), egress)));
        }
        return new Cluster(pol, ps, nss, ns);
    }
}
