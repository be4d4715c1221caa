package dev.viaduct.policy.node;

import dev.viaduct.policy.api.PolicyValidationException;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.compile.NodeCompiler;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Pod;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one node's policy table is made of, as the store holds it: the NetworkPolicy, pod and namespace records
 * (JSON, by name: {@code <ns>/<name>} or {@code <ns>}) and IPAM's pod endpoints, joined and handed to a
 * {@link NodeCompiler} one change at a time. A pod's addresses are those of the endpoints that name it; an
 * endpoint is one {@link Pod} (a pod with two interfaces is two endpoints with the same labels). An endpoint
 * whose pod record is missing is a pod without labels or named ports (so a namespace's default-deny still
 * covers it); a pod record without an endpoint has no address and is left out. Records that do not decode are
 * dropped (with any older value) and reported by {@link #problems}.
 *
 * <p>Not thread-safe: its owner guards it.
 */
public final class PolicyInputs {
    /** The record directories, in the order the agent lists them. */
    public enum Kind {
        POLICY, POD, NAMESPACE
    }

    /**
     * One pod interface, as its IPAM handle records it.
     *
     * @param id       the handle ({@code <network>.<containerID>.<ifname>})
     * @param hostVeth the host side of the pod's veth (the name this node's chains are keyed by)
     */
    public record Endpoint(String id, String namespace, String pod, String node, String hostVeth, List<InetAddress> addresses) {
        public Endpoint {
            addresses = List.copyOf(addresses);
        }
    }

    private final NodeCompiler compiler;
    private final SortedMap<String, NetworkPolicy> policies = new TreeMap<>();
    private final SortedMap<String, Namespace> namespaces = new TreeMap<>();
    private final Map<String, StoreRecords.PodRecord> pods = new HashMap<>();
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    /** {@code ns/pod} → ids of its endpoints. */
    private final Map<String, Set<String>> endpointsOfPod = new HashMap<>();
    private final Map<Kind, Set<String>> names = new HashMap<>();
    private final SortedMap<String, String> problems = new TreeMap<>();

    public PolicyInputs(String node) {
        this.compiler = new NodeCompiler(node, List.of());
        for (Kind k : Kind.values()) {
            names.put(k, new HashSet<>());
        }
    }

    /** The compiled table, kept up to date by every change made here. */
    public NodeCompiler compiler() {
        return compiler;
    }

    /** Replaces every record of {@code kind} with {@code snapshot} (name → JSON: a listing of its directory). */
    public void replace(Kind kind, Map<String, String> snapshot) {
        problems.keySet().removeIf(k -> k.startsWith(problemKey(kind, "")));
        for (String name : List.copyOf(names.get(kind))) {
            if (!snapshot.containsKey(name)) {
                remove(kind, name);
            }
        }
        snapshot.forEach((name, json) -> put(kind, name, json));
    }

    /** A record of {@code kind} was written. */
    public void put(Kind kind, String name, String json) {
        problems.remove(problemKey(kind, name));
        try {
            switch (kind) {
                case POLICY -> {
                    String ns = namespaceOf(name);
                    NetworkPolicy p = StoreRecords.decodePolicy(json, ns);
                    if (!p.id().equals(name)) {
                        throw new IllegalArgumentException("metadata says " + p.id() + " but the key says " + name);
                    }
                    compiler.putPolicy(p);
                    policies.put(name, p);
                }
                case POD -> {
                    pods.put(name, StoreRecords.decodePod(json));
                    rejoin(name);
                }
                case NAMESPACE -> {
                    Namespace n = new Namespace(name, StoreRecords.decodeNamespace(json).labels());
                    compiler.putNamespace(n);
                    namespaces.put(name, n);
                }
            }
            names.get(kind).add(name);
        } catch (PolicyValidationException | StoreRecords.RecordException | IllegalArgumentException e) {
            remove(kind, name);
            problems.put(problemKey(kind, name), e.getMessage());
        }
    }

    /** A record of {@code kind} was deleted. */
    public void remove(Kind kind, String name) {
        problems.remove(problemKey(kind, name));
        if (!names.get(kind).remove(name)) {
            return;
        }
        switch (kind) {
            case POLICY -> {
                int slash = name.indexOf('/');
                compiler.removePolicy(name.substring(0, slash), name.substring(slash + 1));
                policies.remove(name);
            }
            case POD -> {
                pods.remove(name);
                rejoin(name);
            }
            case NAMESPACE -> {
                compiler.removeNamespace(name);
                namespaces.remove(name);
            }
        }
    }

    /** Replaces every endpoint with {@code all}. */
    public void replaceEndpoints(List<Endpoint> all) {
        Set<String> keep = new HashSet<>();
        all.forEach(e -> keep.add(e.id()));
        for (String id : List.copyOf(endpoints.keySet())) {
            if (!keep.contains(id)) {
                removeEndpoint(id);
            }
        }
        all.forEach(this::putEndpoint);
    }

    public void putEndpoint(Endpoint e) {
        Endpoint old = endpoints.put(e.id(), e);
        if (old != null) {
            unindex(old);
        }
        endpointsOfPod.computeIfAbsent(podName(e), k -> new HashSet<>()).add(e.id());
        compiler.putPod(e.id(), join(e));
    }

    public void removeEndpoint(String id) {
        Endpoint old = endpoints.remove(id);
        if (old != null) {
            unindex(old);
            compiler.removePod(id);
        }
    }

    public void setNodeIps(List<InetAddress> ips) {
        compiler.setNodeIps(ips);
    }

    /** Records that did not decode: kind and name → why. */
    public SortedMap<String, String> problems() {
        return new TreeMap<>(problems);
    }

    /** The join as a {@link Cluster} with {@code nodes} (whose addresses count as "the pod's own node"), pods in endpoint order. */
    public Cluster cluster(List<Node> nodes) {
        return new Cluster(List.copyOf(policies.values()), List.copyOf(new TreeMap<>(compiler.pods()).values()),
                List.copyOf(namespaces.values()), nodes);
    }

    private void rejoin(String podName) {
        for (String id : endpointsOfPod.getOrDefault(podName, Set.of())) {
            compiler.putPod(id, join(endpoints.get(id)));
        }
    }

    private Pod join(Endpoint e) {
        StoreRecords.PodRecord r = pods.get(podName(e));
        return new Pod(e.namespace(), e.pod(), r == null ? Map.of() : r.labels(), e.addresses(), e.node(), e.hostVeth(),
                r == null ? List.of() : r.ports());
    }

    private void unindex(Endpoint e) {
        Set<String> ids = endpointsOfPod.get(podName(e));
        if (ids != null && ids.remove(e.id()) && ids.isEmpty()) {
            endpointsOfPod.remove(podName(e));
        }
    }

    private static String podName(Endpoint e) {
        return e.namespace() + "/" + e.pod();
    }

    private static String problemKey(Kind kind, String name) {
        return kind.name().toLowerCase() + " " + name;
    }

    private static String namespaceOf(String name) {
        int slash = name.indexOf('/');
        if (slash <= 0 || slash == name.length() - 1 || name.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("key must end in <namespace>/<name>, not '" + name + "'");
        }
        return name.substring(0, slash);
    }
}
