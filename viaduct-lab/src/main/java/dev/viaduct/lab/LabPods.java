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
    private final Map<String, CniRuntime> runtimes = new ConcurrentHashMap<>();

    LabPods(LabState state, Path dir, LabTopology topology) {
        this.state = state;
        this.dir = dir;
        this.topology = topology;
    }

    /** Installs the plugin binary (shared) and node's conflist, pointing at its agent's socket. */
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
        if (r == null) {
            Path nd = dir.resolve(node);
            r = new CniRuntime(nd.resolve("net.d/10-viaduct.conflist"), List.of(pluginDir(), Path.of("/usr/lib/cni")),
                    nd.resolve("cache"), state.spec.nodeNs(node));
            runtimes.put(node, r);
        }
        return r;
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
            result = runtime(node).add(cid, NetNamespace.pathOf(ns).toString(), "eth0",
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
            runtime(pod.node()).del(pod.containerId(), NetNamespace.pathOf(pod.namespace()).toString(), "eth0", "", null);
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
