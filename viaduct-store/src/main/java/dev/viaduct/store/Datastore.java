package dev.viaduct.store;

import java.time.Duration;
import java.util.Optional;

/**
 * Where cluster state lives: a key-value store with etcd v3's semantics. Keys are strings (full paths,
 * built with {@link Keys}); values are bytes (JSON via {@link JsonCodec}). Every change advances a global
 * store revision; each key remembers the revision that last modified it, and compare-and-swap transactions
 * ({@link #txn}) compare it. Leases expire keys attached to them; prefix watches deliver changes in order
 * and resume after disconnects.
 *
 * <p>Implementations: {@code EtcdGatewayDatastore} (production, etcd's JSON gateway), {@code EtcdDatastore} (etcd
 * over gRPC, jetcd) and {@code MemoryDatastore} (unit tests,
 * same semantics, no network). All methods block the calling thread (callers use virtual threads) and throw
 * {@link StoreException}; {@link StoreException#tryAgain()} tells transient failures apart. Implementations
 * are thread-safe.
 */
public interface Datastore extends AutoCloseable {

    /** The key's current value, or empty. */
    Optional<KeyValue> get(String key);

    /** Every key starting with {@code prefix}, sorted by key, as of one revision. */
    Listing list(String prefix);

    /** Writes {@code value}; returns the new store revision. */
    long put(String key, byte[] value);

    /** Writes {@code value} attached to {@code lease} (deleted when the lease ends); returns the revision. */
    long put(String key, byte[] value, Lease lease);

    /** Deletes the key; true if it existed. */
    boolean delete(String key);

    /** Deletes every key under {@code prefix}; returns how many there were. */
    long deletePrefix(String prefix);

    /** Runs a compare-and-swap transaction (one round trip). */
    TxnResult txn(Txn txn);

    /** The store's current revision. */
    long currentRevision();

    /** Grants a lease of {@code ttl} (at least 1 s; etcd counts whole seconds). */
    Lease grantLease(Duration ttl);

    /**
     * Keeps {@code lease} alive until the returned handle is closed; {@code listener} hears if the store
     * reports the lease gone (it expired while unreachable, or was revoked).
     */
    KeepAlive keepAlive(Lease lease, KeepAlive.Listener listener);

    /** Revokes the lease, deleting its keys. Revoking an unknown lease is not an error. */
    void revokeLease(Lease lease);

    /** The lease's remaining time to live, or empty when it no longer exists. */
    Optional<Duration> timeToLive(Lease lease);

    /**
     * Watches every key under {@code prefix} from {@code fromRevision} (inclusive; 0 or less: from now). After
     * a disconnect the watch resumes right after the last revision it delivered, so no event is missed or
     * repeated; if that revision was compacted, it re-lists and delivers a {@link WatchEvent.Resync}.
     */
    Watch watch(String prefix, long fromRevision, Watch.Listener listener);

    /** The earliest {@link Watch#stalledSince} of this store's open watches; empty when none is stalled. */
    java.util.OptionalLong watchesStalledSince();

    /**
     * Lists {@code prefix}, hands the listing to {@code listener} as a {@link WatchEvent.Resync} (on the
     * calling thread), then watches from the revision after it: the usual way to mirror a prefix.
     */
    default Watch listAndWatch(String prefix, Watch.Listener listener) {
        Listing l = list(prefix);
        listener.onEvent(new WatchEvent.Resync(l.kvs(), l.revision()));
        return watch(prefix, l.revision() + 1, listener);
    }

    /**
     * Creates {@code key} only if it does not exist (compare-and-create); true if this call created it.
     * For first-start initialisation such as the cluster config.
     */
    default boolean create(String key, byte[] value) {
        return txn(Txn.builder().ifAbsent(key).put(key, value).build()).succeeded();
    }

    /**
     * Replaces {@code key} only if its mod_revision is still {@code expectedModRevision} (0: only if absent);
     * true if this call wrote it.
     */
    default boolean compareAndSwap(String key, long expectedModRevision, byte[] value) {
        return txn(Txn.builder().ifModRevision(key, expectedModRevision).put(key, value).build()).succeeded();
    }

    /** Deletes {@code key} only if its mod_revision is still {@code expectedModRevision}; true if deleted. */
    default boolean compareAndDelete(String key, long expectedModRevision) {
        if (expectedModRevision <= 0) {
            throw new IllegalArgumentException("expectedModRevision must be > 0 to delete, got " + expectedModRevision);
        }
        return txn(Txn.builder().ifModRevision(key, expectedModRevision).delete(key).build()).succeeded();
    }

    /**
     * Empty while the store answers; otherwise why it is known unreachable (see {@link Reachability}): the
     * last request failed as unavailable and none succeeded since. While it is, a shared probe asks the store
     * again and this waits up to {@code wait} for it. Stores that cannot tell answer empty.
     */
    default Optional<Reachability.Down> unreachable(Duration wait) {
        return Optional.empty();
    }

    /** Releases connections and stops watches and keep-alives. */
    @Override
    void close();
}
