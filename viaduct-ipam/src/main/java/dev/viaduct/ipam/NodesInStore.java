package dev.viaduct.ipam;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonTrees;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Nodes as registered in the store: a key under {@code PREFIX/nodes/} means the node exists; its JSON
 * record's optional {@code labels} object (string values) gives its labels. Other fields are ignored. A
 * record that is not JSON counts as a node without labels (so a foreign format never hides a node).
 */
public final class NodesInStore implements KnownNodes {
    private final Datastore store;
    private final Keys keys;

    public NodesInStore(Datastore store, Keys keys) {
        this.store = store;
        this.keys = keys;
    }

    @Override
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        for (KeyValue kv : store.list(keys.nodes()).kvs()) {
            names.add(keys.nameIn(keys.nodes(), kv.key()));
        }
        return names;
    }

    @Override
    public Optional<Map<String, String>> labels(String node) {
        return store.get(keys.node(node)).map(NodesInStore::labelsOf);
    }

    static Map<String, String> labelsOf(KeyValue kv) {
        Map<String, String> labels = new LinkedHashMap<>();
        try {
            JsonNode root = JsonTrees.read(kv.value());
            JsonNode l = root == null ? null : root.get("labels");
            if (l != null && l.isObject()) {
                for (var e : l.properties()) {
                    labels.put(e.getKey(), e.getValue().asString());
                }
            }
        } catch (RuntimeException e) {
            // not JSON: a node without labels
        }
        return labels;
    }
}
