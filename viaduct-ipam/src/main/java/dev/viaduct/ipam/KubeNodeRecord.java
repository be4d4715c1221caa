package dev.viaduct.ipam;

import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Kubernetes Node as kube-controllers sees it ({@link Keys#kubeNode}): its labels (merged by agents with
 * their configured labels, for pool and BGP peer selectors) and, once the Node was deleted from the API
 * while IPAM still named it, {@code "deleted": true} — which makes the node reclaimable at once, without
 * the grace period, as soon as its node record is absent. JSON: {@code {"name":"n1","labels":{..},
 * "deleted":true}} ({@code deleted} only when true; labels sorted, so equal records encode to equal bytes).
 * A {@code deletionTimestamp} also counts as the deletion mark.
 */
public record KubeNodeRecord(String name, Map<String, String> labels, boolean deleted) {
    public KubeNodeRecord {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels);
    }

    /** The same node, marked deleted. */
    public KubeNodeRecord asDeleted() {
        return new KubeNodeRecord(name, labels, true);
    }

    public byte[] encode() {
        ObjectNode root = JsonCodec.mapper().createObjectNode();
        root.put("name", name);
        ObjectNode l = root.putObject("labels");
        new TreeMap<>(labels).forEach(l::put);
        if (deleted) {
            root.put("deleted", true);
        }
        return JsonCodec.mapper().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes a record; a missing name is taken from the key, non-string label values are an error naming
     * the label.
     *
     * @throws StoreException CORRUPT when it is not such a record
     */
    public static KubeNodeRecord decode(Keys keys, KeyValue kv) {
        String keyName = keys.nameIn(keys.kubeNodes(), kv.key());
        JsonNode root;
        try {
            root = JsonCodec.mapper().readTree(kv.value());
        } catch (JacksonException e) {
            throw new StoreException(StoreException.Reason.CORRUPT, "key " + kv.key() + ": not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new StoreException(StoreException.Reason.CORRUPT, "key " + kv.key() + ": not a JSON object");
        }
        Map<String, String> labels = new TreeMap<>();
        JsonNode l = root.get("labels");
        if (l != null && !l.isNull()) {
            if (!l.isObject()) {
                throw new StoreException(StoreException.Reason.CORRUPT, "key " + kv.key() + ": labels: not an object");
            }
            for (var e : l.properties()) {
                if (!e.getValue().isString()) {
                    throw new StoreException(StoreException.Reason.CORRUPT, "key " + kv.key() + ": labels." + e.getKey() + ": not a string");
                }
                labels.put(e.getKey(), e.getValue().asString());
            }
        }
        JsonNode n = root.get("name");
        JsonNode d = root.get("deleted");
        JsonNode ts = root.get("deletionTimestamp");
        boolean deleted = (d != null && d.asBoolean(false)) || (ts != null && !ts.isNull() && !ts.asString("").isEmpty());
        return new KubeNodeRecord(n != null && n.isString() ? n.asString() : keyName, labels, deleted);
    }
}
