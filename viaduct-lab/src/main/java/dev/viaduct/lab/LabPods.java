package dev.viaduct.lab;

import dev.viaduct.cni.CniInstaller;
import dev.viaduct.netlink.NetNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The container-runtime side of the lab: the CNI plugin installed per node (as the DaemonSet's installer
 * would), one {@link CniRuntime} per node, and pods — a namespace plus CNI ADD, recorded in the
 * {@link LabState}. Pods may be added from several threads at once; the state is guarded by its own monitor.
 */
final class LabPods {
    private final LabState state;
    private final Path dir;
    private final LabTopology topology;
    private final LabContainers containers;
    private final Map<String, CniRuntime> runtimes = new ConcurrentHashMap<>();

    LabPods(LabState state, Path dir, LabTopology topology, LabContainers containers) {
        this.state = state;
        this.dir = dir;
        this.topology = topology;
        this.containers = containers;
    }

    /**
     * Installs the plugin binary (shared) and node's conflist, pointing at its agent's socket. In image mode the
     * node pod's install-cni container does this instead, into the node's own host directories.
     */
    void installCni(String node) throws IOException {
        Path nd = dir.resolve(node);
        Files.createDirectories(nd);
        CniInstaller.install(new CniInstaller.Options(pluginDir(), nd.resolve("net.d"), "viaduct", nd.resolve("cni.sock"),
                state.spec.portmap() ? "1.0.0" : "1.1.0", state.spec.portmap(), state.spec.ipv6(), 0));
    }

    private Path pluginDir() {
        return dir.resolve("cni/bin");
    }

    /** The shim binary the lab installed (what runtimes exec). */
    Path pluginBinary() {
        return pluginDir().resolve("viaduct");
    }

    /** The CNI runtime of {@code node} (its conflist, plugin path and result cache). */
    CniRuntime runtime(String node) throws IOException {
        CniRuntime r = runtimes.get(node);
        if (r == null && state.spec.imageMode()) {
            r = imageRuntime(node);
            runtimes.put(node, r);
        } else if (r == null) {
            Path nd = dir.resolve(node);
            r = new CniRuntime(nd.resolve("net.d/10-viaduct.conflist"), List.of(pluginDir(), Path.of("/usr/lib/cni")),
                    nd.resolve("cache"), state.spec.nodeNs(node));
            runtimes.put(node, r);
        }
        return r;
    }

    /**
     * Image mode: the runtime of a node whose host has what install-cni wrote — the shim in its
     * {@code /opt/cni/bin}, the conflist in its {@code /etc/cni/net.d} — reading host paths through the node's
     * directories, as the node's own runtime would read its file system: the conflist's agent socket
     * ({@code /run/viaduct/cni.sock}) is the node's.
     */
    private CniRuntime imageRuntime(String node) throws IOException {
        Path root = containers.nodeRoot(node);
        Path file = Path.of(LabContainers.hostPath(root, "/etc/cni/net.d")).resolve("10-viaduct.conflist");
        if (!Files.exists(file)) {
            throw new IOException(file + " is missing: the node pod's install-cni did not write the conflist");
        }
        JsonNode list = CniRuntime.JSON.readTree(Files.readString(file));
        for (JsonNode plugin : list.path("plugins")) {
            if (plugin instanceof ObjectNode o && o.has("agentSocket")) {
                o.put("agentSocket", LabContainers.hostPath(root, o.get("agentSocket").asString()));
            }
        }
        return new CniRuntime((ObjectNode) list, file.toString(), List.of(Path.of(LabContainers.hostPath(root, "/opt/cni/bin")),
                Path.of("/usr/lib/cni")), dir.resolve(node).resolve("cache"), state.spec.nodeNs(node));
    }

    /**
     * The network namespace path the runtime passes as CNI_NETNS: in image mode the path containerd uses,
     * {@code /var/run/netns/...} — the agent container mounts the host's {@code /var/run/netns} there.
     */
    private String netnsPath(String ns) {
        return state.spec.imageMode() ? Path.of("/var/run/netns", ns).toString() : NetNamespace.pathOf(ns).toString();
    }

    /** Creates a pod namespace and runs CNI ADD with {@code runtimeConfig} (null: none), as pod lab/NAME. */
    LabState.Pod add(String node, String name, ObjectNode rc) throws IOException {
        return add(node, "lab", name, rc);
    }

    /**
     * Creates a pod namespace and runs CNI ADD with {@code runtimeConfig} (null: none), as Kubernetes pod
     * {@code podNamespace/name} (the CNI args a kubelet passes, which the agent records on the pod's handle).
     */
    LabState.Pod add(String node, String podNamespace, String name, ObjectNode rc) throws IOException {
        String ns = state.spec.podNs(node, name);
        topology.createNamespace(ns).close();
        String cid = state.spec.name() + "-" + node + "-" + name;
        JsonNode result;
        try {
            result = runtime(node).add(cid, netnsPath(ns), "eth0",
                    "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + podNamespace + ";K8S_POD_NAME=" + name, rc);
        } catch (CniRuntime.CniFailure e) {
            topology.deleteNamespace(ns);
            throw new IOException("CNI ADD of pod " + node + "/" + name + " failed: " + e.getMessage(), e);
        }
        LabState.Pod pod = new LabState.Pod(node, name, ns, cid, addresses(result));
        synchronized (state) {
            state.pods.add(pod);
            state.save();
        }
        return pod;
    }

    /** The addresses of a CNI ADD result's {@code ips}, without their prefix length. */
    static List<String> addresses(JsonNode result) {
        List<String> ips = new ArrayList<>();
        for (JsonNode a : result.path("ips")) {
            String addr = a.path("address").asString();
            int slash = addr.indexOf('/');
            ips.add(slash < 0 ? addr : addr.substring(0, slash));
        }
        return ips;
    }

    /** Runs CNI DEL for the pod and removes its namespace. */
    void delete(LabState.Pod pod) throws IOException {
        try {
            runtime(pod.node()).del(pod.containerId(), netnsPath(pod.namespace()), "eth0", "", null);
        } catch (CniRuntime.CniFailure e) {
            throw new IOException("CNI DEL of pod " + pod.node() + "/" + pod.name() + " failed: " + e.getMessage(), e);
        }
        topology.deleteNamespace(pod.namespace());
        synchronized (state) {
            state.pods.remove(pod);
            state.save();
        }
    }

    /** Removes the namespaces of a removed node's pods without CNI DEL (the node and its agent are gone). */
    void dropAllOn(String node) {
        for (LabState.Pod p : List.copyOf(state.pods)) {
            if (p.node().equals(node)) {
                topology.deleteNamespace(p.namespace());
                synchronized (state) {
                    state.pods.remove(p);
                }
            }
        }
    }

    List<LabState.Pod> all() {
        synchronized (state) {
            return List.copyOf(state.pods);
        }
    }
}
