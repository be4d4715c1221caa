package dev.viaduct.cli;

import dev.viaduct.ctl.PolicyStore;
import dev.viaduct.ctl.PortSpec;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.lab.Lab;
import dev.viaduct.lab.LabState;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.ContainerPort;
import dev.viaduct.policy.model.Protocol;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreOptions;
import dev.viaduct.store.etcd.EtcdDatastore;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The NetworkPolicy side of {@code viaduct lab}: namespaces and pods with labels and listening ports (the
 * store records kube-controllers would write), probes between pods and the reachability matrix. Pods are
 * named {@code NAMESPACE/POD}; the lab finds a pod's node and address through IPAM's handle for it.
 */
final class LabPolicyCommands {
    private LabPolicyCommands() {
    }

    /** The lab's etcd, the policy records in it, and the lab's pods by {@code ns/pod}. */
    static final class Session implements AutoCloseable {
        final Lab lab;
        final EtcdDatastore store;
        final PolicyStore records;
        final Ipam ipam;

        Session(String name) throws Exception {
            // the etcd client's own INFO chatter is noise here
            LogSetup.install("keyvalue", "warning");
            lab = Lab.open(name, System.out);
            store = EtcdDatastore.connect(StoreOptions.of(List.of(lab.spec().etcdEndpoint())));
            records = new PolicyStore(store, Keys.defaults());
            ipam = new Ipam(store, Keys.defaults());
        }

        /** {@code ns/pod} → its lab pod and first address of each family. */
        record Found(String id, LabState.Pod pod, List<String> ips) {
            String ip(boolean v4) {
                return ips.stream().filter(a -> a.contains(".") == v4).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("pod " + id + " has no " + (v4 ? "IPv4" : "IPv6") + " address"));
            }
        }

        /** Every lab pod that IPAM knows as a Kubernetes pod, by {@code ns/pod}, sorted. */
        Map<String, Found> pods() {
            Map<String, Found> out = new TreeMap<>();
            List<LabState.Pod> labPods = lab.pods();
            for (Handle h : ipam.handles()) {
                String ns = h.attributes().get("podNamespace");
                String pod = h.attributes().get("pod");
                if (ns == null || pod == null) {
                    continue;
                }
                labPods.stream().filter(p -> p.node().equals(h.node()) && p.name().equals(pod)).findFirst().ifPresent(p ->
                        out.put(ns + "/" + pod, new Found(ns + "/" + pod, p, h.addresses().stream()
                                .map(a -> a instanceof Inet4Address ? a.getHostAddress() : dev.viaduct.sys.net.IpAddresses.format(a)).toList())));
            }
            return out;
        }

        Found pod(String id) {
            Found f = pods().get(id);
            if (f == null) {
                throw new IllegalArgumentException("no pod " + id + " in lab " + lab.spec().name() + " (pods: " + pods().keySet() + ")");
            }
            return f;
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** {@code k=v,k2=v2} (also space-separated arguments) → labels; {@code k-} removes k when {@code removals} is given. */
    static Map<String, String> labels(List<String> args, Map<String, String> base, boolean allowRemoval) {
        Map<String, String> out = new TreeMap<>(base);
        for (String arg : args) {
            for (String kv : arg.split(",")) {
                if (kv.isBlank()) {
                    continue;
                }
                if (allowRemoval && kv.endsWith("-") && !kv.contains("=")) {
                    out.remove(kv.substring(0, kv.length() - 1));
                    continue;
                }
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("'" + kv + "' is not KEY=VALUE" + (allowRemoval ? " or KEY-" : ""));
                }
                out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }

    static int usage(String cmd, String message) {
        System.err.println("viaduct lab " + cmd + ": " + message);
        return Main.EXIT_USAGE;
    }

    @Command(name = "ns", mixinStandardHelpOptions = true,
            description = {"Namespaces as NetworkPolicy sees them: 'ns add NAME [--labels k=v,...]' creates (or replaces) one,",
                    "'ns label NAME k=v... k-' sets and removes labels."})
    static final class Ns implements Callable<Integer> {
        @Mixin
        LabCommand.Name name = new LabCommand.Name();

        @Parameters(index = "0", description = "add or label")
        String action;

        @Parameters(index = "1", paramLabel = "NAME", description = "The namespace.")
        String namespace;

        @Parameters(index = "2..*", paramLabel = "k=v", description = "label: labels to set (k=v) or remove (k-).")
        List<String> changes = new ArrayList<>();

        @Option(names = "--labels", split = ",", paramLabel = "k=v", description = "add: the namespace's labels.")
        List<String> labels = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            try (Session s = new Session(name.name)) {
                switch (action) {
                    case "add" -> {
                        Map<String, String> l = labels(labels, Map.of(), false);
                        s.records.putNamespace(namespace, l);
                        System.out.println("namespace " + namespace + " " + l);
                    }
                    case "label" -> {
                        Optional<StoreRecords.NamespaceRecord> r = s.records.namespace(namespace);
                        if (r.isEmpty()) {
                            return usage("ns label", "no namespace " + namespace + " (viaduct lab ns add " + namespace + ")");
                        }
                        Map<String, String> l = labels(changes, r.get().labels(), true);
                        s.records.putNamespace(namespace, l);
                        System.out.println("namespace " + namespace + " " + l);
                    }
                    default -> {
                        return usage("ns", "action must be add or label, got '" + action + "'");
                    }
                }
                return 0;
            } catch (IllegalArgumentException e) {
                return usage("ns", e.getMessage());
            }
        }
    }

    /** {@code lab pod add} of a policy pod: its record first (so its rules are in place when CNI ADD returns), then the pod. */
    static int addPod(String labName, String node, String namespace, String pod, List<String> labelArgs, String ports) throws Exception {
        List<PortSpec> specs;
        Map<String, String> l;
        try {
            specs = ports == null ? List.of() : PortSpec.parseList("--ports", ports);
            l = labels(labelArgs, Map.of(), false);
        } catch (IllegalArgumentException e) {
            return usage("pod add", e.getMessage());
        }
        try (Session s = new Session(labName)) {
            if (!s.lab.nodes().contains(node)) {
                return usage("pod add", "no node " + node + " (nodes: " + s.lab.nodes() + ")");
            }
            if (s.records.namespace(namespace).isEmpty()) {
                s.records.putNamespace(namespace, Map.of());
            }
            List<ContainerPort> named = specs.stream().filter(p -> p.name() != null)
                    .map(p -> new ContainerPort(p.name(), p.port(), p.protocol())).toList();
            if (specs.stream().anyMatch(p -> p.protocol() == Protocol.SCTP)) {
                return usage("pod add", "--ports: the lab's listeners answer on tcp and udp only");
            }
            s.records.putPod(namespace, pod, new StoreRecords.PodRecord(l, node, named));
            LabState.Pod p;
            try {
                p = s.lab.addServingPod(node, namespace, pod, specs.stream().map(PortSpec::text).distinct().toList());
            } catch (IllegalArgumentException | java.io.IOException e) {
                s.records.deletePod(namespace, pod);
                throw e;
            }
            System.out.println("pod " + namespace + "/" + pod + " on " + node + " " + String.join(",", p.ips()) + " labels " + l
                    + (specs.isEmpty() ? "" : " ports " + specs.stream().map(x -> (x.name() == null ? "" : x.name() + "=") + x.text()).toList()));
            return 0;
        }
    }

    static int labelPod(String labName, String namespace, String pod, List<String> changes) throws Exception {
        try (Session s = new Session(labName)) {
            Optional<StoreRecords.PodRecord> r = s.records.pod(namespace, pod);
            if (r.isEmpty()) {
                return usage("pod label", "no pod " + namespace + "/" + pod);
            }
            Map<String, String> l = labels(changes, r.get().labels(), true);
            s.records.putPod(namespace, pod, new StoreRecords.PodRecord(l, r.get().node(), r.get().ports()));
            System.out.println("pod " + namespace + "/" + pod + " labels " + l);
            return 0;
        } catch (IllegalArgumentException e) {
            return usage("pod label", e.getMessage());
        }
    }

    /** {@code lab pod del} of a policy pod: the pod, then its record. */
    static int deletePod(String labName, String namespace, String pod) throws Exception {
        try (Session s = new Session(labName)) {
            Session.Found f = s.pod(namespace + "/" + pod);
            s.lab.deletePod(f.pod());
            s.records.deletePod(namespace, pod);
            System.out.println("pod " + namespace + "/" + pod + " deleted");
            return 0;
        } catch (IllegalArgumentException e) {
            return usage("pod del", e.getMessage());
        }
    }

    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = {"Connect from one pod to another pod (or an address) on a port: exit 0 when the listener",
                    "answered, 1 when it did not (blocked), 2 on a usage error."})
    static final class Probe implements Callable<Integer> {
        @Mixin
        LabCommand.Name name = new LabCommand.Name();

        @Option(names = "--from", required = true, paramLabel = "NS/POD")
        String from;

        @Option(names = "--to", paramLabel = "NS/POD")
        String to;

        @Option(names = "--to-ip", paramLabel = "IP", description = "An address instead of a pod (ipBlock cases).")
        String toIp;

        @Option(names = "--port", required = true, paramLabel = "PORT/PROTO", description = "e.g. 80/tcp or 53/udp.")
        String port;

        @Option(names = "--timeout", defaultValue = "1s", paramLabel = "DURATION", description = "(default: ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public Integer call() throws Exception {
            if ((to == null) == (toIp == null)) {
                return usage("probe", "give exactly one of --to NS/POD and --to-ip IP");
            }
            try (Session s = new Session(name.name)) {
                PortSpec p = PortSpec.parse("--port", port);
                Duration t = duration(timeout);
                Session.Found src = s.pod(from);
                String ip = toIp != null ? toIp : s.pod(to).ip(true);
                boolean ok = s.lab.probe(src.pod(), ip, p.port(), p.protocol() == Protocol.UDP, t);
                System.out.println(from + " -> " + (to != null ? to + " (" + ip + ")" : ip) + " " + p.text() + ": "
                        + (ok ? "connected" : "blocked"));
                return ok ? 0 : 1;
            } catch (IllegalArgumentException e) {
                return usage("probe", e.getMessage());
            }
        }
    }

    static Duration duration(String text) {
        try {
            return dev.viaduct.ops.config.Durations.parse("--timeout", text.strip());
        } catch (dev.viaduct.ops.config.ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** {@code lab check --matrix --port P}: every policy pod probes every other on P; rows connect to columns. */
    static int matrix(String labName, String port, String timeout) throws Exception {
        try (Session s = new Session(labName)) {
            PortSpec p = PortSpec.parse("--port", port);
            Duration t = duration(timeout);
            List<Session.Found> pods = List.copyOf(s.pods().values());
            boolean[][] ok = new boolean[pods.size()][pods.size()];
            try (var ex = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                for (int a = 0; a < pods.size(); a++) {
                    for (int b = 0; b < pods.size(); b++) {
                        if (a == b) {
                            continue;
                        }
                        int ia = a;
                        int ib = b;
                        fs.add(ex.submit(() -> ok[ia][ib] = s.lab.probe(pods.get(ia).pod(), pods.get(ib).ip(true), p.port(),
                                p.protocol() == Protocol.UDP, t)));
                    }
                }
                for (var f : fs) {
                    f.get();
                }
            }
            int w = Math.max(6, pods.stream().mapToInt(f -> f.id().length()).max().orElse(6));
            StringBuilder sb = new StringBuilder(String.format("%-" + w + "s", p.text()));
            pods.forEach(f -> sb.append(' ').append(String.format("%-" + w + "s", f.id())));
            System.out.println(sb.toString().stripTrailing());
            for (int a = 0; a < pods.size(); a++) {
                StringBuilder row = new StringBuilder(String.format("%-" + w + "s", pods.get(a).id()));
                for (int b = 0; b < pods.size(); b++) {
                    row.append(' ').append(String.format("%-" + w + "s", a == b ? "-" : ok[a][b] ? "ok" : "X"));
                }
                System.out.println(row.toString().stripTrailing());
            }
            return 0;
        } catch (IllegalArgumentException e) {
            return usage("check", e.getMessage());
        }
    }
}
