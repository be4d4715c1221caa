package dev.viaduct.agent.pod;

import dev.viaduct.sys.net.IpPrefix;
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
 * <p>Thread-safe: one lock over each change and the notification that follows it, so listeners see the
 * snapshots in the order of the changes. (Without it, two concurrent ADDs could deliver their snapshots in the
 * wrong order and the last word would be a snapshot missing the newer pod: the reconciler then deletes that
 * pod's route for good.) Listeners are called on the mutating thread and must only change memory.
 */
public final class LocalEndpoints {
    /**
     * One pod interface on this node, and the pod it belongs to ("" when the runtime did not say: CNI_ARGS
     * {@code K8S_POD_NAMESPACE}/{@code K8S_POD_NAME}), which policy enforcement needs.
     */
    public record Endpoint(String handle, String hostVeth, List<IpPrefix> addresses, String podNamespace, String podName) {
        public Endpoint {
            addresses = List.copyOf(addresses);
        }

        public Endpoint(String handle, String hostVeth, List<IpPrefix> addresses) {
            this(handle, hostVeth, addresses, "", "");
        }
    }

    private final Map<String, Endpoint> byHandle = new ConcurrentHashMap<>();
    private final List<Consumer<Collection<Endpoint>>> listeners = new CopyOnWriteArrayList<>();

    public synchronized void put(Endpoint e) {
        byHandle.put(e.handle(), e);
        fire();
    }

    public synchronized void remove(String handle) {
        if (byHandle.remove(handle) != null) {
            fire();
        }
    }

    public synchronized void replaceAll(Collection<Endpoint> endpoints) {
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
    public synchronized void subscribe(Consumer<Collection<Endpoint>> l) {
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
