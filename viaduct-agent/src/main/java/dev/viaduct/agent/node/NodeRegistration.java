package dev.viaduct.agent.node;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.JsonCodec;
import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Lease;
import dev.viaduct.store.StoreException;
import dev.viaduct.sys.log.Log;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * Publishes this node's record under {@code nodes/<name>}, attached to a lease kept alive while the agent
 * runs. If the lease is lost (the store was unreachable longer than the TTL), the record is published again
 * under a new lease, with backoff until the store answers.
 *
 * <p>Shutdown does not revoke the lease: a restarting agent must not make every peer drop its routes. The
 * record disappears only when the agent stays away longer than the lease TTL.
 *
 * <p>Concurrency: one lock guards the current record and keep-alive; re-registration runs on a virtual
 * thread.
 */
public final class NodeRegistration implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("viaduct.node");
    private static final JsonCodec<NodeRecord> CODEC = JsonCodec.of(NodeRecord.class);

    private final Datastore store;
    private final Keys keys;
    private final Duration ttl;
    private NodeRecord record;
    private KeepAlive keepAlive;
    private boolean closed;

    public NodeRegistration(Datastore store, Keys keys, Duration ttl) {
        this.store = store;
        this.keys = keys;
        this.ttl = ttl;
    }

    /** Publishes {@code r} under a new lease (blocking; throws if the store is unreachable). */
    public synchronized void register(NodeRecord r) {
        this.record = r;
        publish();
    }

    /** Replaces the published record, keeping the lease. */
    public synchronized void update(NodeRecord r) {
        this.record = r;
        if (keepAlive == null || !keepAlive.alive()) {
            publish();
        } else {
            store.put(keys.node(r.name()), CODEC.encode(r), keepAlive.lease());
        }
    }

    /** Replaces the published record with {@code change} applied to it, atomically with other changes. */
    public synchronized void modify(UnaryOperator<NodeRecord> change) {
        update(change.apply(record));
    }

    public synchronized NodeRecord record() {
        return record;
    }

    private void publish() {
        if (keepAlive != null) {
            keepAlive.close();
        }
        Lease lease = store.grantLease(ttl);
        store.put(keys.node(record.name()), CODEC.encode(record), lease);
        keepAlive = store.keepAlive(lease, this::leaseLost);
        Log.info(LOG, "node registered", "node", record.name(), "addresses", record.addresses(),
                "lease", Long.toHexString(lease.id()), "ttlSeconds", ttl.toSeconds());
    }

    private void leaseLost(Lease lease, String reason) {
        Log.warn(LOG, "node lease lost, registering again", "lease", Long.toHexString(lease.id()), "reason", reason);
        Thread.ofVirtual().name("node-reregister").start(() -> {
            long backoff = 200;
            while (true) {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    try {
                        publish();
                        return;
                    } catch (StoreException e) {
                        Log.warn(LOG, "node re-registration failed, retrying", "error", e.getMessage(), "retryMs", backoff);
                    }
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(5000, backoff * 2);
            }
        });
    }

    /** Stops the keep-alive without revoking the lease (see the class comment). */
    @Override
    public synchronized void close() {
        closed = true;
        if (keepAlive != null) {
            keepAlive.close();
        }
    }

    /** Removes the record at once (node decommissioning, `lab` node removal). */
    public synchronized void deregister() {
        close();
        if (record != null) {
            store.delete(keys.node(record.name()));
            if (keepAlive != null) {
                store.revokeLease(keepAlive.lease());
            }
        }
    }
}
