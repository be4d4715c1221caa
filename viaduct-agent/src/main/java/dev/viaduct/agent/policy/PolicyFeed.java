package dev.viaduct.agent.policy;

import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.policy.node.PolicyInputs;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Feeds a {@link PolicyEnforcer} from the store: one list-and-watch per record directory (policies, pods,
 * namespaces) and one over IPAM's handles. Handles are read back through {@link Ipam} (its codec), one
 * {@code get} per changed handle; a handle is a pod's endpoint when the CNI handler recorded the pod's
 * namespace and name in its attributes.
 *
 * <p>Concurrency: events arrive on the store watches' threads and go straight into
 * {@link PolicyEnforcer#update}, which takes the enforcer's lock.
 */
public final class PolicyFeed implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.policy");
    /** The handle attributes the CNI handler writes. */
    private static final String ATTR_NAMESPACE = "podNamespace";
    private static final String ATTR_POD = "pod";
    private static final String ATTR_HOST_VETH = "hostVeth";

    private final List<Watch> watches = new ArrayList<>();

    private PolicyFeed() {
    }

    public static PolicyFeed start(Datastore store, Keys keys, Ipam ipam, PolicyEnforcer enforcer) {
        PolicyFeed f = new PolicyFeed();
        for (PolicyInputs.Kind kind : PolicyInputs.Kind.values()) {
            String dir = directory(keys, kind);
            f.watches.add(store.listAndWatch(dir, ev -> {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        Map<String, String> records = new LinkedHashMap<>();
                        for (KeyValue kv : r.snapshot()) {
                            records.put(keys.nameIn(dir, kv.key()), kv.valueUtf8());
                        }
                        enforcer.update(in -> in.replace(kind, records));
                        enforcer.synced(kind);
                    }
                    case WatchEvent.Put p -> enforcer.update(in -> in.put(kind, keys.nameIn(dir, p.kv().key()), p.kv().valueUtf8()));
                    case WatchEvent.Delete d -> enforcer.update(in -> in.remove(kind, keys.nameIn(dir, d.key())));
                }
            }));
        }
        f.watches.add(store.listAndWatch(keys.handles(), ev -> {
            try {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        List<PolicyInputs.Endpoint> all = ipam.handles().stream().flatMap(h -> endpoint(h).stream()).toList();
                        enforcer.update(in -> in.replaceEndpoints(all));
                        enforcer.endpointsSynced();
                    }
                    case WatchEvent.Put p -> {
                        String id = keys.nameIn(keys.handles(), p.kv().key());
                        Optional<PolicyInputs.Endpoint> e = ipam.handle(id).flatMap(PolicyFeed::endpoint);
                        enforcer.update(in -> e.ifPresentOrElse(in::putEndpoint, () -> in.removeEndpoint(id)));
                    }
                    case WatchEvent.Delete d -> enforcer.update(in -> in.removeEndpoint(keys.nameIn(keys.handles(), d.key())));
                }
            } catch (IpamException e) {
                // the next event or the watch's re-list brings the handle again
                LOG.log(System.Logger.Level.WARNING, "policy: cannot read handle for {0}: {1}", describe(ev), e.getMessage());
            }
        }));
        return f;
    }

    /** The store directory of the records of {@code kind}. */
    public static String directory(Keys keys, PolicyInputs.Kind kind) {
        return switch (kind) {
            case POLICY -> keys.policies();
            case POD -> keys.pods();
            case NAMESPACE -> keys.namespaces();
        };
    }

    /** The pod endpoint a handle records, if it is a pod's (tunnel addresses are not). */
    public static Optional<PolicyInputs.Endpoint> endpoint(Handle h) {
        String ns = h.attributes().get(ATTR_NAMESPACE);
        String pod = h.attributes().get(ATTR_POD);
        if (ns == null || pod == null) {
            return Optional.empty();
        }
        return Optional.of(new PolicyInputs.Endpoint(h.id(), ns, pod, h.node(),
                h.attributes().getOrDefault(ATTR_HOST_VETH, HostVethNames.of(h.id())), h.addresses()));
    }

    private static String describe(WatchEvent ev) {
        return switch (ev) {
            case WatchEvent.Resync r -> "resync";
            case WatchEvent.Put p -> p.kv().key();
            case WatchEvent.Delete d -> d.key();
        };
    }

    @Override
    public void close() {
        for (Watch w : watches) {
            w.close();
        }
    }
}
