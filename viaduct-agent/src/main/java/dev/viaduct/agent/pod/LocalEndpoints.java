package dev.viaduct.agent.pod;

import dev.viaduct.agent.net.Cidr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The pod attachments this node hosts (handle → host veth and addresses). The CNI handler adds an endpoint
 * before wiring it and removes it after unwiring, so the route reconciler never sees a pod route it does
 * not want. Rebuilt at start from IPAM's handles for this node.
 *
 * <p>Thread-safe: a concurrent map; listeners are called on the mutating thread with a snapshot.
 */
public final class LocalEndpoints {
    /** One pod interface on this node. */
    public record Endpoint(String handle, String hostVeth, List<Cidr> addresses) {
        public Endpoint {
            addresses = List.copyOf(addresses);
        }
    }

    private final Map<String, Endpoint> byHandle = new ConcurrentHashMap<>();
    private final List<Consumer<Collection<Endpoint>>> listeners = new CopyOnWriteArrayList<>();

    public void put(Endpoint e) {
        byHandle.put(e.handle(), e);
        fire();
    }

    public void remove(String handle) {
        if (byHandle.remove(handle) != null) {
            fire();
        }
    }

    public void replaceAll(Collection<Endpoint> endpoints) {
        byHandle.clear();
        for (Endpoint e : endpoints) {
            byHandle.put(e.handle(), e);
        }
        fire();
    }

    public List<Endpoint> snapshot() {
        return new ArrayList<>(byHandle.values());
    }

    public int size() {
        return byHandle.size();
    }

    /** Calls {@code l} now and after every change. */
    public void subscribe(Consumer<Collection<Endpoint>> l) {
        listeners.add(l);
        l.accept(snapshot());
    }

    private void fire() {
        List<Endpoint> snap = snapshot();
        for (var l : listeners) {
            l.accept(snap);
        }
    }
}
