package dev.viaduct.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * One lab cluster. Build it with {@link #up}, find a running one with {@link #open}, remove it with
 * {@link #down}.
 *
 * <p>Topology (one rack): a "switch" namespace holding bridge {@code br0}; the root namespace's leg
 * ({@code vl<name>h}, {@code .254}) so the lab tool reaches etcd and the agents; an etcd namespace
 * ({@code .2}); node namespaces {@code n1..nN} ({@code .11...}) whose {@code eth0} sit on the bridge; pod
 * namespaces wired by the CNI plugin. With several racks ({@link LabRacks}) each rack is one more bridge and
 * /24, joined by a router namespace {@code rt} that knows no pod routes.
 *
 * <p>This class is the facade; the work is done by {@link LabTopology} (namespaces, segments, links),
 * {@link LabDaemons} (etcd, BIRD, agents), {@link LabPods} (CNI and pods), {@link LabProbes} (pings, routes,
 * status) and {@link LabTeardown} (down and sweeps), all sharing the lab's {@link LabState}.
 *
 * <p>Concurrency: a Lab is used by one thread at a time (the CLI command or a test), except the parallel
 * pings of {@link #pingMatrix}, which only read, and {@link #addPodWith}, which may run on several threads;
 * what those share (the state's pods, namespaces and processes, and its saving) changes under the state's
 * monitor. {@link #up} and
 * {@link #down} hold this object's monitor, so an interrupted {@code up}'s shutdown hook and {@code down}
 * never run together.
 */
public final class Lab implements AutoCloseable {
    /** Main class agents run (dev.viaduct.cli.Main), named here because the lab does not depend on the CLI. */
    public static final String CLI_MAIN = "dev.viaduct.cli.Main";

    private final LabState state;
    private final Path dir;
    private final PrintStream out;
    private final LabTopology topology;
    private final LabDaemons daemons;
    private final LabContainers containers;
    private final LabPods pods;
    private final LabProbes probes;

    private Lab(LabState state, PrintStream out) {
        this.state = state;
        this.dir = LabState.dir(state.spec.name());
        this.out = out;
        this.topology = new LabTopology(state);
        this.daemons = new LabDaemons(state, dir);
        this.containers = new LabContainers(state, dir);
        this.pods = new LabPods(state, dir, topology, containers);
        this.probes = new LabProbes(state, topology, daemons);
    }

    public LabSpec spec() {
        return state.spec;
    }

    public Path dir() {
        return dir;
    }

    /** Opens a running lab by name. */
    public static Lab open(String name, PrintStream out) throws IOException {
        LabState s = LabState.load(name).orElseThrow(() -> new IOException("no lab named '" + name
                + "' (state file " + LabState.dir(name).resolve("state.json") + " missing; start one with 'viaduct lab up')"));
        return new Lab(s, out);
    }

    /**
     * Builds the lab. If anything fails — or the JVM is interrupted (Ctrl-C) — everything created so far is
     * removed before this returns or the JVM exits.
     */
    public static Lab up(LabSpec spec, PrintStream out) throws IOException {
        if (LabState.load(spec.name()).isPresent()) {
            throw new IOException("lab '" + spec.name() + "' already exists; remove it with 'viaduct lab down --name "
                    + spec.name() + "'");
        }
        LabTeardown.sweepLeftovers(spec, out);
        LabState s = new LabState();
        s.spec = spec;
        s.save();
        Lab lab = new Lab(s, out);
        Thread cleanup = new Thread(() -> {
            synchronized (lab) {
                if (!"up".equals(lab.state.phase)) {
                    lab.out.println("lab: interrupted while coming up; removing what was created");
                    lab.down();
                }
            }
        }, "lab-up-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            synchronized (lab) {
                lab.build();
                lab.state.phase = "up";
                lab.state.save();
            }
            return lab;
        } catch (IOException | RuntimeException e) {
            out.println("lab: bringing up failed: " + e.getMessage() + "; removing what was created");
            lab.down();
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs
            }
        }
    }

    /** Segments and namespaces, then BIRD (BGP racks), etcd and its BGP records, the agents, and the pods. */
    private void build() throws IOException {
        LabSpec spec = state.spec;
        long t0 = System.nanoTime();
        Files.createDirectories(dir);
        topology.build();
        if ("bird".equals(spec.tor())) {
            daemons.startBird();
        }
        daemons.startEtcd();
        if ("bgp".equals(spec.mode())) {
            daemons.seedBgp();
        }
        for (int i = 1; i <= spec.nodes(); i++) {
            String node = spec.nodeName(i);
            if (spec.imageMode()) {
                // the node pod of the manifest: install-cni, then bfdd and the agent, from the image
                daemons.configureAgent(i, containers.configMapDir(node, LabContainers.CONFIG_MAP));
                containers.startNode(node);
            } else {
                pods.installCni(node);
                daemons.configureAgent(i, dir.resolve(node));
                daemons.startAgent(node);
            }
        }
        for (int i = 1; i <= spec.nodes(); i++) {
            daemons.awaitAgent(spec.nodeName(i), Duration.ofSeconds(90));
        }
        out.printf("lab %s: %d nodes up in %.1f s%n", spec.name(), spec.nodes(), (System.nanoTime() - t0) / 1e9);
        for (int i = 1; i <= spec.nodes(); i++) {
            for (int p = 1; p <= spec.podsPerNode(); p++) {
                addPod(spec.nodeName(i), "p" + p, null);
            }
        }
    }

    /** Rack r's top-of-rack router namespace (BIRD), gateway {@code .1} of its rack. */
    public String torNamespace(int rack) {
        return state.spec.rackLayout().torNs(rack);
    }

    /** The BIRD control socket of rack r's ToR, or of the spine for r = 0 (for {@code birdc -s}). */
    public Path birdSocket(int rack) {
        return daemons.birdSocket(rack);
    }

    /**
     * Attaches one more namespace to the lab's segment (rack 1's bridge), e.g. an external router (BIRD, FRR) the
     * nodes peer with: {@code vl<name>-<label>} with {@code eth0} at {@code address}/24, loopback up, forwarding
     * on. Recorded in the lab state before it is created, so {@link #down} removes it and kills whatever runs in
     * it.
     *
     * @param label 1..8 lower-case letters and digits, not a name the lab uses itself ({@code sw}, {@code etcd},
     *              {@code rt}, {@code n<i>})
     * @return the namespace's name
     */
    public String attachNamespace(String label, String address) {
        return topology.attachNamespace(label, address);
    }

    /** Starts (or restarts) the agent of {@code node}: its process, or in image mode its container. */
    public void startAgent(String node) throws IOException {
        if (state.spec.imageMode()) {
            containers.start(node, "agent");
        } else {
            daemons.startAgent(node);
        }
    }

    /**
     * Image mode: the name of container {@code container} ({@code agent}, {@code bfdd}) of the node pod on
     * {@code node}, for {@code podman} commands.
     */
    public String containerName(String node, String container) {
        return containers.containerName(node, container);
    }

    /** Image mode: the main process of a running container of node's pod (role = the container's name). */
    public Optional<LabState.Proc> container(String node, String container) {
        synchronized (state) {
            return state.processes.stream().filter(p -> p.role().equals(container) && p.node().equals(node)).findFirst();
        }
    }

    /** Image mode: where node's host path (e.g. {@code /opt/cni/bin}) is on this machine. */
    public Path nodeHostPath(String node, String hostPath) {
        return Path.of(LabContainers.hostPath(containers.nodeRoot(node), hostPath));
    }

    /** Waits until the node's agent reports ready on {@code /readyz} (registered, synced, routes reconciled). */
    public void awaitAgent(String node, Duration timeout) {
        daemons.awaitAgent(node, timeout);
    }

    public Optional<LabState.Proc> agent(String node) {
        return daemons.agent(node);
    }

    /** The lab's etcd process (tests freeze it with SIGSTOP or kill it). */
    public Optional<LabState.Proc> etcd() {
        return daemons.etcd();
    }

    /** Starts etcd again on its data, after a test killed it. */
    public void restartEtcd() throws IOException {
        daemons.startEtcd();
    }

    /** Stops the agent: SIGTERM (graceful) or SIGKILL. */
    public void stopAgent(String node, boolean kill) {
        daemons.stopAgent(node, kill);
    }

    /** The CNI runtime of {@code node} (its conflist, plugin path and result cache). */
    public CniRuntime runtime(String node) throws IOException {
        return pods.runtime(node);
    }

    /** A node's address on the segment, e.g. 10.168.0.11. */
    public String nodeAddress(String node) {
        return state.spec.nodeAddress(Integer.parseInt(node.substring(1)));
    }

    /** The node's network namespace name. */
    public String nodeNamespace(String node) {
        return state.spec.nodeNs(node);
    }

    /** Base URL of a node agent's HTTP endpoints, reachable from the root namespace through the host leg. */
    public URI agentUrl(String node) {
        return LabDaemons.agentUrl(state.spec, node);
    }

    public List<String> nodes() {
        return topology.nodes();
    }

    public List<LabState.Pod> pods() {
        return pods.all();
    }

    /** Creates a pod namespace and runs CNI ADD for it; {@code ip} requests a static address. */
    public LabState.Pod addPod(String node, String name, String ip) throws IOException {
        ObjectNode rc = null;
        if (ip != null) {
            rc = CniRuntime.JSON.createObjectNode();
            rc.putArray("ips").add(ip);
        }
        return addPodWith(node, name, rc);
    }

    /** The shim binary the lab installed (what runtimes exec). */
    public Path pluginBinary() {
        return pods.pluginBinary();
    }

    /**
     * Creates a pod namespace and runs CNI ADD with {@code runtimeConfig} (capability arguments such as
     * {@code ips} or {@code portMappings}). Safe to call from several threads at once.
     */
    public LabState.Pod addPodWith(String node, String name, ObjectNode rc) throws IOException {
        return pods.add(node, name, rc);
    }

    /**
     * Adds a pod as Kubernetes pod {@code podNamespace/name} and starts its listener ({@link PodListener}) on
     * {@code ports} ({@code 80/tcp}, {@code 53/udp}); returns once the listener is up. The pod's store record
     * (labels, named ports) is the caller's to write, before this, so the pod's policy is in place when its
     * CNI ADD returns.
     */
    public LabState.Pod addServingPod(String node, String podNamespace, String name, List<String> ports) throws IOException {
        if (pods.all().stream().anyMatch(p -> p.node().equals(node) && p.name().equals(name))) {
            throw new IllegalArgumentException("node " + node + " already has a pod named " + name
                    + " (lab pod names are unique per node, whatever their namespace)");
        }
        LabState.Pod pod = pods.add(node, podNamespace, name, null);
        if (!ports.isEmpty()) {
            daemons.startListener(pod, ports);
        }
        return pod;
    }

    /**
     * Whether a connection from {@code from} to {@code toIp} on {@code port} gets the listener's answer within
     * {@code timeout}: TCP connects and reads the reply, UDP sends a datagram and waits for the echo.
     */
    public boolean probe(LabState.Pod from, String toIp, int port, boolean udp, Duration timeout) throws Exception {
        return LabProbes.probe(from, toIp, port, udp, timeout);
    }

    /** Runs CNI DEL for the pod and removes its namespace (and stops its listener, if it has one). */
    public void deletePod(LabState.Pod pod) throws IOException {
        daemons.stopListener(pod);
        pods.delete(pod);
    }

    /**
     * Removes a node as an operator would: stops its agent, deletes its pods' namespaces and removes its
     * namespace (the node is gone; its lease expires and peers must drop its routes).
     */
    public void removeNode(String node) {
        daemons.stopAgent(node, true);
        pods.dropAllOn(node);
        topology.deleteNamespace(state.spec.nodeNs(node));
        synchronized (state) {
            state.removedNodes.add(node);
            state.save();
        }
    }

    /** Viaduct's routes in a node's main table, formatted like {@code ip route}. */
    public List<String> routes(String node) {
        return probes.routes(node);
    }

    /** All routes of a node's main table (any protocol), formatted like {@code ip route}. */
    public List<String> allRoutes(String node) {
        return probes.allRoutes(node);
    }

    /** The result of pinging every pod from every other pod. */
    public record Matrix(List<LabState.Pod> pods, boolean[][] ok) {
        public boolean allOk() {
            for (int i = 0; i < ok.length; i++) {
                for (int j = 0; j < ok.length; j++) {
                    if (i != j && !ok[i][j]) {
                        return false;
                    }
                }
            }
            return true;
        }

        public List<String> failures() {
            List<String> f = new ArrayList<>();
            for (int i = 0; i < ok.length; i++) {
                for (int j = 0; j < ok.length; j++) {
                    if (i != j && !ok[i][j]) {
                        f.add(label(pods.get(i)) + " -> " + label(pods.get(j)));
                    }
                }
            }
            return f;
        }

        static String label(LabState.Pod p) {
            return p.node() + "/" + p.name() + "(" + String.join(",", p.ips()) + ")";
        }

        public void print(PrintStream out) {
            int w = 0;
            int ipw = 16; // wide enough for one IPv4 address; dual-stack pods list two
            for (var p : pods) {
                w = Math.max(w, (p.node() + "/" + p.name()).length());
                ipw = Math.max(ipw, String.join(",", p.ips()).length());
            }
            StringBuilder h = new StringBuilder(" ".repeat(w + ipw + 2));
            for (var p : pods) {
                h.append(String.format("%-" + (w + 1) + "s", p.node() + "/" + p.name()));
            }
            out.println(h.toString().stripTrailing());
            for (int i = 0; i < pods.size(); i++) {
                var p = pods.get(i);
                StringBuilder row = new StringBuilder(String.format("%-" + (w + 1) + "s%-" + (ipw + 1) + "s", p.node() + "/" + p.name(),
                        String.join(",", p.ips())));
                for (int j = 0; j < pods.size(); j++) {
                    row.append(String.format("%-" + (w + 1) + "s", i == j ? "-" : ok[i][j] ? "ok" : "FAIL"));
                }
                out.println(row.toString().stripTrailing());
            }
        }
    }


    /** Pings every pod pair (ICMP, one echo each, 1 s timeout), in parallel. */
    public Matrix pingMatrix() {
        return probes.pingMatrix(pods());
    }

    /** {@code ping -c count -W 1} from a pod's namespace; true when every echo was answered. */
    public boolean ping(LabState.Pod from, String to, int count) throws IOException, InterruptedException {
        return LabProbes.ping(from, to, count);
    }

    /**
     * Opens a TCP connection from {@code from} to a listener in {@code to}, sends a line and checks the echo: a
     * real connection through both kernels, not just ICMP.
     */
    public boolean tcp(LabState.Pod from, LabState.Pod to) throws Exception {
        return LabProbes.tcp(from, to);
    }

    /** Text status: nodes with their agent, pods and Viaduct routes. */
    public void printStatus() {
        probes.printStatus(out);
    }

    /**
     * Removes everything the lab created: processes first (agents, then etcd), then namespaces (which takes
     * their links with them), the root namespace's leg, and the state directory. Tries everything; reports
     * what it could not remove.
     */
    public synchronized List<String> down() {
        return LabTeardown.down(state, out);
    }

    /**
     * Takes down labs whose name starts with {@code namePrefix} and whose owning process is gone (a test JVM
     * that was killed before its cleanup ran). Returns the names removed.
     */
    public static List<String> sweepAbandoned(String namePrefix, PrintStream out) {
        return LabTeardown.sweepAbandoned(namePrefix, out);
    }

    @Override
    public void close() {
        // a Lab handle holds no resources; the lab keeps running until down()
    }
}
