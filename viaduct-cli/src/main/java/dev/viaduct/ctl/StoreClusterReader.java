package dev.viaduct.ctl;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.CheckReport;
import dev.viaduct.ipam.Handle;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.ipam.IpamException;
import dev.viaduct.ipam.Pool;
import dev.viaduct.ipam.ReclaimReport;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link ClusterReader} over a {@link Datastore}: node records decoded with the agent's own record type, IPAM
 * through {@link Ipam} (so {@code ipam check} and {@code ipam release} have exactly the agents' semantics,
 * compare-and-swap included). Store failures become {@link CtlException}s: unreachable/timeouts exit 3,
 * anything else (permission denied, corrupt values) exits 1 with the store's message.
 *
 * <p>Concurrency: used by one command on one thread.
 */
public final class StoreClusterReader implements ClusterReader {
    private static final JsonCodec<NodeRecord> NODE = JsonCodec.of(NodeRecord.class);
    private final Datastore store;
    private final Keys keys;
    private final Ipam ipam;
    private final String where;

    /** @param where how the store was reached (endpoints), for error messages */
    public StoreClusterReader(Datastore store, Keys keys, String where) {
        this.store = store;
        this.keys = keys;
        this.ipam = new Ipam(store, keys);
        this.where = where;
    }

    private <T> T call(String what, Supplier<T> s) {
        try {
            return s.get();
        } catch (StoreException e) {
            throw translate(what, e);
        } catch (IpamException e) {
            if (e.reason() == IpamException.Reason.UNAVAILABLE) {
                throw CtlException.unreachable("cannot reach etcd at " + where + " (" + what + "): " + e.getMessage(), e);
            }
            throw new CtlException(CtlException.PROBLEM, what + ": " + e.getMessage(), e);
        }
    }

    private CtlException translate(String what, StoreException e) {
        if (e.tryAgain() || e.reason() == StoreException.Reason.CLOSED) {
            return CtlException.unreachable("cannot reach etcd at " + where + " (" + what + "): " + e.getMessage(), e);
        }
        return new CtlException(CtlException.PROBLEM, "etcd at " + where + " (" + what + "): " + e.getMessage(), e);
    }

    @Override
    public List<NodeRecord> nodes() {
        return call("list nodes", () -> {
            List<NodeRecord> out = new ArrayList<>();
            for (KeyValue kv : store.list(keys.nodes()).kvs()) {
                out.add(NODE.decode(kv));
            }
            // a lambda of this class, not Comparator.comparing's own: the AOT cache keeps the one and not the other
            out.sort((x, y) -> CtlText.NATURAL.compare(x.name(), y.name()));
            return out;
        });
    }

    @Override
    public List<Pool> pools() {
        return call("list pools", ipam::pools);
    }

    @Override
    public List<Block> blocks() {
        return call("list blocks", ipam::blocks);
    }

    @Override
    public List<Handle> handles() {
        return call("list handles", ipam::handles);
    }

    @Override
    public CheckReport check() {
        return call("ipam check", ipam::check);
    }

    @Override
    public ReclaimReport reclaimCheck(Duration reclaimAfter) {
        return call("reclaim check", () -> ipam.reclaim(reclaimAfter, true));
    }

    @Override
    public ReclaimReport releaseNode(String node, boolean force, boolean dryRun) {
        return call("release node " + node, () -> ipam.releaseNode(node, force, dryRun));
    }

    @Override
    public Optional<String> release(InetAddress ip) {
        return call("release " + ip.getHostAddress(), () -> ipam.releaseAddress(ip));
    }

    @Override
    public void close() {
        store.close();
    }
}
