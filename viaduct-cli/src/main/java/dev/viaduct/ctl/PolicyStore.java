package dev.viaduct.ctl;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.policy.PolicyFeed;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.policy.api.PolicyValidationException;
import dev.viaduct.policy.api.StoreRecords;
import dev.viaduct.policy.model.Cluster;
import dev.viaduct.policy.model.NetworkPolicy;
import dev.viaduct.policy.model.Node;
import dev.viaduct.policy.node.PolicyInputs;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.JsonTrees;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Txn;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The policy-related store records as {@code viaduct ctl} and {@code viaduct lab} write and read them:
 * NetworkPolicies, namespaces, pods (the same records kube-controllers writes in a Kubernetes cluster), and the
 * joined {@link Cluster} an agent would compile, for {@code explain}.
 *
 * <p>Not thread-safe; one command uses it. The caller owns the datastore.
 */
public final class PolicyStore {
    private static final JsonCodec<NodeRecord> NODE = JsonCodec.of(NodeRecord.class);
    private final Datastore store;
    private final Keys keys;

    public PolicyStore(Datastore store, Keys keys) {
        this.store = store;
        this.keys = keys;
    }

    /** What happened to one policy on apply, as kubectl words it. */
    public record Applied(NetworkPolicy policy, String outcome) {
        public String line() {
            return "networkpolicy.networking.k8s.io/" + policy.name() + " " + outcome + " (namespace " + policy.namespace() + ")";
        }
    }

    /** Writes every policy in one transaction (all or none). */
    public List<Applied> apply(List<NetworkPolicy> policies) {
        Txn.Builder txn = Txn.builder();
        List<Applied> out = new ArrayList<>();
        for (NetworkPolicy p : policies) {
            String key = keys.policy(p.namespace(), p.name());
            String json = StoreRecords.encodePolicy(p);
            Optional<KeyValue> old = store.get(key);
            String outcome = old.isEmpty() ? "created" : old.get().valueUtf8().equals(json) ? "unchanged" : "configured";
            out.add(new Applied(p, outcome));
            txn.put(key, json.getBytes(StandardCharsets.UTF_8));
        }
        if (!policies.isEmpty()) {
            store.txn(txn.build());
        }
        return out;
    }

    public boolean deletePolicy(String namespace, String name) {
        return store.delete(keys.policy(namespace, name));
    }

    /** Every policy that decodes, in namespace/name order, and the keys of those that do not with why. */
    public record Policies(List<NetworkPolicy> policies, Map<String, String> bad) {
    }

    public Policies policies() {
        List<NetworkPolicy> ok = new ArrayList<>();
        Map<String, String> bad = new java.util.TreeMap<>();
        for (KeyValue kv : store.list(keys.policies()).kvs()) {
            String id = keys.nameIn(keys.policies(), kv.key());
            String namespace = id.substring(0, Math.max(0, id.indexOf('/')));
            try {
                JsonNode tree = tree(kv.value());
                ok.add(tree != null ? StoreRecords.decodePolicy(tree, namespace) : StoreRecords.decodePolicy(kv.valueUtf8(), namespace));
            } catch (PolicyValidationException e) {
                bad.put(kv.key(), e.getMessage());
            }
        }
        ok.sort(NetworkPolicy.ORDER);
        return new Policies(ok, bad);
    }

    /** The tree of a record, read without a mapper; null when it is not JSON (the mapper then says why). */
    private static JsonNode tree(byte[] json) {
        try {
            return JsonTrees.read(json);
        } catch (JacksonException e) {
            return null;
        }
    }

    public Optional<String> policyRecord(String namespace, String name) {
        return store.get(keys.policy(namespace, name)).map(KeyValue::valueUtf8);
    }

    public void putNamespace(String name, Map<String, String> labels) {
        store.put(keys.namespace(name), StoreRecords.encodeNamespace(new StoreRecords.NamespaceRecord(labels))
                .getBytes(StandardCharsets.UTF_8));
    }

    public Optional<StoreRecords.NamespaceRecord> namespace(String name) throws StoreRecords.RecordException {
        Optional<KeyValue> kv = store.get(keys.namespace(name));
        return kv.isEmpty() ? Optional.empty() : Optional.of(StoreRecords.decodeNamespace(kv.get().valueUtf8()));
    }

    public void putPod(String namespace, String name, StoreRecords.PodRecord pod) {
        store.put(keys.pod(namespace, name), StoreRecords.encodePod(pod).getBytes(StandardCharsets.UTF_8));
    }

    public Optional<StoreRecords.PodRecord> pod(String namespace, String name) throws StoreRecords.RecordException {
        Optional<KeyValue> kv = store.get(keys.pod(namespace, name));
        return kv.isEmpty() ? Optional.empty() : Optional.of(StoreRecords.decodePod(kv.get().valueUtf8()));
    }

    public boolean deletePod(String namespace, String name) {
        return store.delete(keys.pod(namespace, name));
    }

    /** The cluster as agents see it: records joined with IPAM's handles, nodes with their addresses. */
    public Cluster cluster() {
        // no node's table is compiled here ("" hosts no pod): only the join is wanted
        PolicyInputs in = new PolicyInputs("");
        for (PolicyInputs.Kind k : PolicyInputs.Kind.values()) {
            String dir = PolicyFeed.directory(keys, k);
            Map<String, String> records = new java.util.LinkedHashMap<>();
            store.list(dir).kvs().forEach(kv -> records.put(keys.nameIn(dir, kv.key()), kv.valueUtf8()));
            in.replace(k, records);
        }
        in.replaceEndpoints(new Ipam(store, keys).handles().stream().flatMap(h -> PolicyFeed.endpoint(h).stream()).toList());
        List<Node> nodes = new ArrayList<>();
        for (KeyValue kv : store.list(keys.nodes()).kvs()) {
            NodeRecord n = NODE.decode(kv);
            List<InetAddress> ips = new ArrayList<>();
            for (String a : n.addresses()) {
                try {
                    ips.add(IpPrefix.parse(a).address());
                } catch (IllegalArgumentException e) {
                    // an address this tool cannot read does not make another pod's verdict wrong
                }
            }
            nodes.add(new Node(n.name(), ips));
        }
        return in.cluster(nodes);
    }
}
