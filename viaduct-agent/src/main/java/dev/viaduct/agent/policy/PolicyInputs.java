package dev.viaduct.agent.policy;

import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.ipam.Handle;
import dev.viaduct.policy.api.PolicyValidationException;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.Namespace;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.model.Pod;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What policy decisions are made from, as the store holds it: the NetworkPolicy, pod and namespace records
 * and IPAM's handles, joined into a {@link Cluster}. A pod's addresses are those of the handles whose
 * attributes name it ({@code podNamespace}, {@code pod}, written by the CNI handler), its node is the handle's
 * node and its host veth the handle's {@code hostVeth} attribute (else the name the CNI handler derives from the handle): one {@link Pod} per handle (a pod with two
 * interfaces is two endpoints with the same labels). A handle whose pod record is missing is a pod without
 * labels or named ports (so a namespace's default-deny still covers it); a pod record without a handle has no
 * address and is left out. Records that do not decode are skipped and reported by {@link #problems}.
 *
 * <p>Not thread-safe: its owner guards it.
 */
public final class PolicyInputs {
    static final String ATTR_NAMESPACE = "podNamespace";
    static final String ATTR_POD = "pod";
    static final String ATTR_HOST_VETH = "hostVeth";

    private final Keys keys;
    private final SortedMap<String, NetworkPolicy> policies = new TreeMap<>();
    private final SortedMap<String, StoreRecords.PodRecord> pods = new TreeMap<>();
    private final SortedMap<String, StoreRecords.NamespaceRecord> namespaces = new TreeMap<>();
    private final SortedMap<String, Handle> handles = new TreeMap<>();
    private final SortedMap<String, String> problems = new TreeMap<>();

    public PolicyInputs(Keys keys) {
        this.keys = keys;
    }

    /** The directories these records live in, in the order {@link #replace}/{@link #put} take them. */
    public enum Kind {
        POLICY, POD, NAMESPACE
    }

    public String directory(Kind kind) {
        return switch (kind) {
            case POLICY -> keys.policies();
            case POD -> keys.pods();
            case NAMESPACE -> keys.namespaces();
        };
    }

    /** Replaces every record of {@code kind} with {@code snapshot} (a listing of its directory). */
    public void replace(Kind kind, List<KeyValue> snapshot) {
        map(kind).clear();
        problems.keySet().removeIf(k -> k.startsWith(directory(kind)));
        for (KeyValue kv : snapshot) {
            put(kind, kv);
        }
    }

    /** A record of {@code kind} was written. */
    public void put(Kind kind, KeyValue kv) {
        String name = keys.nameIn(directory(kind), kv.key());
        problems.remove(kv.key());
        try {
            switch (kind) {
                case POLICY -> {
                    String ns = namespaceOf(name);
                    NetworkPolicy p = StoreRecords.decodePolicy(kv.valueUtf8(), ns);
                    if (!p.id().equals(name)) {
                        throw new IllegalArgumentException("metadata says " + p.id() + " but the key says " + name);
                    }
                    policies.put(name, p);
                }
                case POD -> pods.put(name, StoreRecords.decodePod(kv.valueUtf8()));
                case NAMESPACE -> namespaces.put(name, StoreRecords.decodeNamespace(kv.valueUtf8()));
            }
        } catch (PolicyValidationException | StoreRecords.RecordException | IllegalArgumentException e) {
            map(kind).remove(name);
            problems.put(kv.key(), e.getMessage());
        }
    }

    /** A record of {@code kind} was deleted. */
    public void remove(Kind kind, String key) {
        map(kind).remove(keys.nameIn(directory(kind), key));
        problems.remove(key);
    }

    public void replaceHandles(List<Handle> all) {
        handles.clear();
        all.forEach(this::putHandle);
    }

    public void putHandle(Handle h) {
        if (h.attributes().containsKey(ATTR_NAMESPACE) && h.attributes().containsKey(ATTR_POD)) {
            handles.put(h.id(), h);
        } else {
            handles.remove(h.id());
        }
    }

    public void removeHandle(String id) {
        handles.remove(id);
    }

    /** Records that did not decode: key → why. */
    public SortedMap<String, String> problems() {
        return new TreeMap<>(problems);
    }

    public int policyCount() {
        return policies.size();
    }

    /** The join, with {@code nodes} (whose addresses count as "the pod's own node"). */
    public Cluster cluster(List<Node> nodes) {
        List<Pod> out = new ArrayList<>();
        for (Handle h : handles.values()) {
            String ns = h.attributes().get(ATTR_NAMESPACE);
            String name = h.attributes().get(ATTR_POD);
            StoreRecords.PodRecord r = pods.get(ns + "/" + name);
            String veth = h.attributes().getOrDefault(ATTR_HOST_VETH, HostVethNames.of(h.id()));
            out.add(new Pod(ns, name, r == null ? Map.of() : r.labels(), h.addresses(), h.node(), veth,
                    r == null ? List.of() : r.ports()));
        }
        List<Namespace> nss = new ArrayList<>();
        namespaces.forEach((n, r) -> nss.add(new Namespace(n, r.labels())));
        return new Cluster(List.copyOf(policies.values()), out, nss, nodes);
    }

    private Map<String, ?> map(Kind kind) {
        return switch (kind) {
            case POLICY -> policies;
            case POD -> pods;
            case NAMESPACE -> namespaces;
        };
    }

    private static String namespaceOf(String name) {
        int slash = name.indexOf('/');
        if (slash <= 0 || slash == name.length() - 1 || name.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("key must end in <namespace>/<name>, not '" + name + "'");
        }
        return name.substring(0, slash);
    }
}
