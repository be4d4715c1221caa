package dev.viaduct.agent.policy;

import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Feeds a {@link PolicyEnforcer} from the store: one list-and-watch per record directory (policies, pods,
 * namespaces) and one over IPAM's handles. Handles are read back through {@link Ipam} (its codec), one
 * {@code get} per changed handle.
 *
 * <p>Concurrency: events arrive on the store watches' threads and go straight into
 * {@link PolicyEnforcer#update}, which takes the enforcer's lock.
 */
public final class PolicyFeed implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.policy");

    private final List<Watch> watches = new ArrayList<>();

    private PolicyFeed() {
    }

    public static PolicyFeed start(Datastore store, Keys keys, Ipam ipam, PolicyEnforcer enforcer) {
        PolicyFeed f = new PolicyFeed();
        for (PolicyInputs.Kind kind : PolicyInputs.Kind.values()) {
            String dir = new PolicyInputs(keys).directory(kind);
            f.watches.add(store.listAndWatch(dir, ev -> {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        enforcer.update(in -> in.replace(kind, r.snapshot()));
                        enforcer.synced(kind);
                    }
                    case WatchEvent.Put p -> enforcer.update(in -> in.put(kind, p.kv()));
                    case WatchEvent.Delete d -> enforcer.update(in -> in.remove(kind, d.key()));
                }
            }));
        }
        f.watches.add(store.listAndWatch(keys.handles(), ev -> {
            try {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        List<Handle> all = ipam.handles();
                        enforcer.update(in -> in.replaceHandles(all));
                        enforcer.handlesSynced();
                    }
                    case WatchEvent.Put p -> {
                        String id = keys.nameIn(keys.handles(), p.kv().key());
                        Optional<Handle> h = ipam.handle(id);
                        enforcer.update(in -> h.ifPresentOrElse(in::putHandle, () -> in.removeHandle(id)));
                    }
                    case WatchEvent.Delete d -> enforcer.update(in -> in.removeHandle(keys.nameIn(keys.handles(), d.key())));
                }
            } catch (IpamException e) {
                // the next event or the watch's re-list brings the handle again
                LOG.log(System.Logger.Level.WARNING, "policy: cannot read handle for {0}: {1}", describe(ev), e.getMessage());
            }
        }));
        return f;
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
