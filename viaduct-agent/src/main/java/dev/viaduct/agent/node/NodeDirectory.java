package dev.viaduct.agent.node;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A live mirror of every node record in the store. Listeners get an immutable snapshot after each change.
 *
 * <p>Concurrency: events arrive on the store watch's thread; the map is guarded by this object's monitor and
 * snapshots are immutable.
 */
public final class NodeDirectory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.node");
    private static final JsonCodec<NodeRecord> CODEC = JsonCodec.of(NodeRecord.class);

    private final Keys keys;
    private final Map<String, NodeRecord> nodes = new TreeMap<>();
    private final CopyOnWriteArrayList<Consumer<Map<String, NodeRecord>>> listeners = new CopyOnWriteArrayList<>();
    private Watch watch;
    private boolean synced;

    public NodeDirectory(Keys keys) {
        this.keys = keys;
    }

    /** Lists and then watches the nodes directory. */
    public void start(Datastore store) {
        watch = store.listAndWatch(keys.nodes(), this::onEvent);
    }

    public void subscribe(Consumer<Map<String, NodeRecord>> l) {
        listeners.add(l);
        Map<String, NodeRecord> snap;
        synchronized (this) {
            if (!synced) {
                return;
            }
            snap = Map.copyOf(nodes);
        }
        l.accept(snap);
    }

    public synchronized Map<String, NodeRecord> snapshot() {
        return Map.copyOf(nodes);
    }

    public synchronized boolean synced() {
        return synced;
    }

    private void onEvent(WatchEvent ev) {
        Map<String, NodeRecord> snap;
        synchronized (this) {
            switch (ev) {
                case WatchEvent.Resync r -> {
                    nodes.clear();
                    for (KeyValue kv : r.snapshot()) {
                        put(kv);
                    }
                    synced = true;
                }
                case WatchEvent.Put p -> put(p.kv());
                case WatchEvent.Delete d -> {
                    String name = keys.nameIn(keys.nodes(), d.key());
                    if (nodes.remove(name) != null) {
                        LOG.log(System.Logger.Level.INFO, "node gone node={0}", name);
                    }
                }
            }
            snap = Map.copyOf(nodes);
        }
        for (var l : listeners) {
            l.accept(snap);
        }
    }

    private void put(KeyValue kv) {
        try {
            NodeRecord r = CODEC.decode(kv);
            NodeRecord old = nodes.put(r.name(), r);
            if (old == null) {
                LOG.log(System.Logger.Level.INFO, "node seen node={0} addresses={1}", r.name(), r.addresses());
            }
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring malformed node record: {0}", e.getMessage());
        }
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }
}
