package dev.viaduct.agent.node;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.KubeNodeRecord;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import dev.viaduct.sys.log.Log;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps this node's record's labels equal to its Kubernetes Node's labels (kube-controllers' record
 * {@code kube/nodes/<name>}) with {@code node.labels} from the config on top, so pool node selectors and BGP
 * peer selectors follow {@code kubectl label node}. The config wins on a key both set: it is the operator's
 * explicit word for this one node. Without Kubernetes (no record) the labels are the config's alone.
 *
 * <p>Concurrency: the store watch's thread delivers events (the first, the listing, on the starting thread);
 * the record changes through {@link NodeRegistration#modify}, under its lock, with the agent's other changes.
 */
public final class KubeNodeLabels implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.node");

    private final String key;
    private final Map<String, String> configured;
    private final NodeRegistration registration;
    private final Watch watch;

    private KubeNodeLabels(Datastore store, Keys keys, String node, Map<String, String> configured, NodeRegistration registration) {
        this.key = keys.kubeNode(node);
        this.configured = Map.copyOf(configured);
        this.registration = registration;
        this.watch = store.listAndWatch(key, this::onEvent);
    }

    /** Applies the Node's current labels at once, then follows them. */
    public static KubeNodeLabels start(Datastore store, Keys keys, String node, Map<String, String> configured,
            NodeRegistration registration) {
        return new KubeNodeLabels(store, keys, node, configured, registration);
    }

    /** The labels the node record carries: the Kubernetes Node's, overlaid with the configured ones. */
    static Map<String, String> merge(Map<String, String> kube, Map<String, String> configured) {
        Map<String, String> out = new LinkedHashMap<>(kube);
        out.putAll(configured);
        return out;
    }

    private void onEvent(WatchEvent ev) {
        switch (ev) {
            // the watch is on a prefix: "kube/nodes/n1" also lists "kube/nodes/n10"
            case WatchEvent.Resync r -> apply(r.snapshot().stream().filter(kv -> kv.key().equals(key)).findFirst()
                    .map(this::labels).orElse(Map.of()));
            case WatchEvent.Put p when p.kv().key().equals(key) -> apply(labels(p.kv()));
            case WatchEvent.Delete d when d.key().equals(key) -> apply(Map.of());
            default -> {
            }
        }
    }

    /** The record's labels, or null when it does not decode. */
    private Map<String, String> labels(KeyValue kv) {
        try {
            return KubeNodeRecord.CODEC.decode(kv).labels();
        } catch (StoreException e) {
            Log.warn(LOG, "ignoring malformed kube node record, keeping the labels", "key", kv.key(), "error", e.getMessage());
            return null;
        }
    }

    private void apply(Map<String, String> kube) {
        if (kube == null) {
            return;
        }
        Map<String, String> merged = merge(kube, configured);
        if (!merged.equals(registration.record().labels())) {
            registration.modify(r -> r.withLabels(merged));
            Log.info(LOG, "node labels changed", "labels", merged);
        }
    }

    @Override
    public void close() {
        watch.close();
    }
}
