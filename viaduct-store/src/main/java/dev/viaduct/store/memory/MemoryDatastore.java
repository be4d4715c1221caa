package dev.viaduct.store.memory;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeepAlive;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Lease;
import dev.viaduct.store.Listing;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.StoreException.Reason;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * An in-memory {@link Datastore} with etcd's semantics, <b>for unit tests only</b>: a global revision that
 * every write advances (a transaction's writes share one revision), per-key create/mod revisions and
 * versions, compare-and-swap on mod_revision (0 = absent), leases that expire on a clock and delete their
 * keys in one revision, prefix watches that replay history from a revision, and compaction after which a
 * watch resuming from a compacted revision gets a {@link WatchEvent.Resync}.
 *
 * <p>Fault injection: {@link #setUnavailable} makes every call fail with {@link Reason#UNAVAILABLE} (and
 * stops keep-alives, so leases expire as they would when etcd is unreachable); {@link #compact} drops
 * history; {@link #reconnectWatches} makes every watch resume from its last delivered revision, as after a
 * dropped connection.
 *
 * <p>Concurrency: one lock guards all state. Each watch delivers on its own virtual thread. The clock is
 * {@code System.nanoTime} with a 50 ms ticker thread expiring leases, or a supplied one advanced by the test,
 * which then calls {@link #tick()} (every other call also expires due leases first).
 */
public final class MemoryDatastore implements Datastore {
    private final ReentrantLock lock = new ReentrantLock();
    private final LongSupplier clock;
    private final TreeMap<String, KeyValue> data = new TreeMap<>();
    private final List<Change> history = new ArrayList<>();
    private final Map<Long, LeaseState> leases = new LinkedHashMap<>();
    final List<MemoryWatch> watches = new CopyOnWriteArrayList<>();
    private final Thread ticker;
    private long revision = 1;
    private long compactRevision;
    private long nextLeaseId = 0x7e57_0000_0001L;
    private volatile boolean unavailable;
    private volatile java.time.Instant unavailableSince;

    /** Known unreachable exactly while {@link #setUnavailable} says so (nothing to probe in memory). */
    @Override
    public Optional<dev.viaduct.store.Reachability.Down> unreachable(Duration wait) {
        java.time.Instant since = unavailableSince;
        return since == null ? Optional.empty()
                : Optional.of(new dev.viaduct.store.Reachability.Down("memory datastore set unavailable", since));
    }
    private volatile boolean closed;

    /** A change at one revision, kept for watches that start in the past. */
    record Change(WatchEvent event) {
        long revision() {
            return event.revision();
        }

        String key() {
            return switch (event) {
                case WatchEvent.Put p -> p.kv().key();
                case WatchEvent.Delete d -> d.key();
                case WatchEvent.Resync r -> throw new IllegalStateException("a resync is not a change");
            };
        }
    }

    private static final class LeaseState {
        final Lease lease;
        final Set<String> keys = new HashSet<>();
        long expiresAtNanos;
        MemoryKeepAlive keepAlive;

        LeaseState(Lease lease, long expiresAtNanos) {
            this.lease = lease;
            this.expiresAtNanos = expiresAtNanos;
        }
    }

    /** Real time; a background ticker expires leases. */
    public MemoryDatastore() {
        this.clock = System::nanoTime;
        this.ticker = Thread.ofVirtual().name("memory-datastore-ticker").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    tick();
                } catch (StoreException ignored) {
                    // unavailable or closed: nothing expires until it is back
                }
            }
        });
    }

    /** A test-controlled clock in nanoseconds; call {@link #tick()} after advancing it. */
    public MemoryDatastore(LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.ticker = null;
    }

    // --- fault injection and inspection ---

    /** While true, every call fails with {@link Reason#UNAVAILABLE} and keep-alives do not refresh. */
    public void setUnavailable(boolean down) {
        lock.lock();
        try {
            if (unavailable && !down) {
                expireLeases(); // leases whose TTL ran out while "unreachable" are gone now
            }
            unavailable = down;
            unavailableSince = down ? java.time.Instant.now() : null;
        } finally {
            lock.unlock();
        }
    }

    /** Expires due leases (with a test clock, call after advancing it). */
    public void tick() {
        lock.lock();
        try {
            if (!unavailable && !closed) {
                expireLeases();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops history up to {@code rev} (inclusive): watches can no longer start at or before it. */
    public void compact(long rev) {
        lock.lock();
        try {
            if (rev > revision) {
                throw new StoreException(Reason.REJECTED, "compact " + rev + ": future revision (current " + revision + ")");
            }
            compactRevision = Math.max(compactRevision, rev);
            history.removeIf(c -> c.revision() <= compactRevision);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Simulates a dropped connection for every watch: each resumes right after the last revision it
     * delivered (or re-lists, if that was compacted), dropping whatever it had queued.
     */
    public void reconnectWatches() {
        for (MemoryWatch w : watches) {
            w.reconnect();
        }
    }

    // --- Datastore ---

    @Override
    public Optional<KeyValue> get(String key) {
        enter();
        try {
            return Optional.ofNullable(data.get(key));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Listing list(String prefix) {
        requirePrefix(prefix);
        enter();
        try {
            return new Listing(List.copyOf(range(prefix).values()), revision);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long put(String key, byte[] value) {
        return txn(Txn.builder().put(key, value).build()).revision();
    }

    @Override
    public long put(String key, byte[] value, Lease lease) {
        return txn(Txn.builder().put(key, value, lease.id()).build()).revision();
    }

    @Override
    public boolean delete(String key) {
        enter();
        try {
            if (!data.containsKey(key)) {
                return false;
            }
            revision++;
            remove(key);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long deletePrefix(String prefix) {
        requirePrefix(prefix);
        enter();
        try {
            List<String> keys = List.copyOf(range(prefix).keySet());
            if (!keys.isEmpty()) {
                revision++;
                keys.forEach(this::remove);
            }
            return keys.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public TxnResult txn(Txn txn) {
        enter();
        try {
            boolean ok = true;
            for (Txn.Compare c : txn.when()) {
                switch (c) {
                    case Txn.Compare.ModRevision m -> {
                        KeyValue kv = data.get(m.key());
                        ok &= (kv == null ? 0 : kv.modRevision()) == m.revision();
                    }
                }
            }
            List<Txn.Op> ops = ok ? txn.then() : txn.otherwise();
            Set<String> written = new HashSet<>();
            boolean writes = false;
            for (Txn.Op op : ops) {
                switch (op) {
                    case Txn.Op.Put p -> {
                        if (!written.add(p.key())) {
                            throw new StoreException(Reason.REJECTED, "txn: duplicate key " + p.key() + " in one branch");
                        }
                        if (p.leaseId() != 0 && !leases.containsKey(p.leaseId())) {
                            throw new StoreException(Reason.REJECTED, "put " + p.key() + ": lease "
                                    + Long.toHexString(p.leaseId()) + " not found");
                        }
                        writes = true;
                    }
                    case Txn.Op.Delete d -> {
                        if (!written.add(d.key())) {
                            throw new StoreException(Reason.REJECTED, "txn: duplicate key " + d.key() + " in one branch");
                        }
                        writes |= data.containsKey(d.key());
                    }
                    case Txn.Op.Get g -> {
                    }
                }
            }
            if (writes) {
                revision++;
            }
            List<Optional<KeyValue>> gets = new ArrayList<>();
            for (Txn.Op op : ops) {
                switch (op) {
                    case Txn.Op.Put p -> store(p.key(), p.value(), p.leaseId());
                    case Txn.Op.Delete d -> {
                        if (data.containsKey(d.key())) {
                            remove(d.key());
                        }
                    }
                    case Txn.Op.Get g -> gets.add(Optional.ofNullable(data.get(g.key())));
                }
            }
            return new TxnResult(ok, revision, gets);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long currentRevision() {
        enter();
        try {
            return revision;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Lease grantLease(Duration ttl) {
        enter();
        try {
            long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
            Lease lease = new Lease(nextLeaseId++, Duration.ofSeconds(seconds));
            leases.put(lease.id(), new LeaseState(lease, clock.getAsLong() + lease.ttl().toNanos()));
            return lease;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public KeepAlive keepAlive(Lease lease, KeepAlive.Listener listener) {
        enter();
        try {
            LeaseState s = leases.get(lease.id());
            MemoryKeepAlive ka = new MemoryKeepAlive(this, lease, listener);
            if (s == null) {
                ka.lost("lease not found");
            } else {
                s.keepAlive = ka;
                s.expiresAtNanos = clock.getAsLong() + lease.ttl().toNanos();
            }
            return ka;
        } finally {
            lock.unlock();
        }
    }

    void stopKeepAlive(MemoryKeepAlive ka) {
        lock.lock();
        try {
            LeaseState s = leases.get(ka.lease().id());
            if (s != null && s.keepAlive == ka) {
                s.keepAlive = null;
                s.expiresAtNanos = clock.getAsLong() + s.lease.ttl().toNanos();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void revokeLease(Lease lease) {
        enter();
        try {
            LeaseState s = leases.get(lease.id());
            if (s != null) {
                end(s, "lease revoked");
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Duration> timeToLive(Lease lease) {
        enter();
        try {
            LeaseState s = leases.get(lease.id());
            if (s == null) {
                return Optional.empty();
            }
            long left = s.keepAlive != null ? s.lease.ttl().toNanos() : s.expiresAtNanos - clock.getAsLong();
            return Optional.of(Duration.ofNanos(Math.max(0, left)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public java.util.OptionalLong watchesStalledSince() {
        return watches.stream().map(MemoryWatch::stalledSince).filter(java.util.OptionalLong::isPresent)
                .mapToLong(java.util.OptionalLong::getAsLong).min();
    }

    @Override
    public Watch watch(String prefix, long fromRevision, Watch.Listener listener) {
        requirePrefix(prefix);
        enter();
        try {
            long from = fromRevision <= 0 ? revision + 1 : fromRevision;
            MemoryWatch w = new MemoryWatch(this, prefix, from - 1, listener);
            watches.add(w);
            w.replayLocked(from);
            w.start();
            return w;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (ticker != null) {
            ticker.interrupt();
        }
        for (MemoryWatch w : watches) {
            w.close();
        }
    }

    // --- internals (lock held) ---

    ReentrantLock lock() {
        return lock;
    }

    long compactRevisionLocked() {
        return compactRevision;
    }

    long revisionLocked() {
        return revision;
    }

    List<KeyValue> snapshotLocked(String prefix) {
        return List.copyOf(range(prefix).values());
    }

    List<Change> historyFromLocked(long from) {
        List<Change> out = new ArrayList<>();
        for (Change c : history) {
            if (c.revision() >= from) {
                out.add(c);
            }
        }
        return out;
    }

    private void enter() {
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new StoreException(Reason.CLOSED, "memory datastore is closed");
        }
        if (unavailable) {
            lock.unlock();
            throw new StoreException(Reason.UNAVAILABLE, "memory datastore is unavailable (fault injected)");
        }
        expireLeases();
    }

    private void expireLeases() {
        long now = clock.getAsLong();
        for (LeaseState s : List.copyOf(leases.values())) {
            if (s.keepAlive != null && !unavailable) {
                s.expiresAtNanos = now + s.lease.ttl().toNanos();
            } else if (now - s.expiresAtNanos >= 0) {
                end(s, "lease expired");
            }
        }
    }

    /** Revokes or expires a lease: its keys go in one revision, its keep-alive hears about it. */
    private void end(LeaseState s, String why) {
        leases.remove(s.lease.id());
        List<String> keys = s.keys.stream().filter(data::containsKey).sorted().toList();
        if (!keys.isEmpty()) {
            revision++;
            for (String k : keys) {
                remove(k);
            }
        }
        if (s.keepAlive != null) {
            s.keepAlive.lost(why);
        }
    }

    private void store(String key, byte[] value, long leaseId) {
        KeyValue old = data.get(key);
        if (old != null && old.leaseId() != 0 && old.leaseId() != leaseId) {
            LeaseState s = leases.get(old.leaseId());
            if (s != null) {
                s.keys.remove(key);
            }
        }
        if (leaseId != 0) {
            leases.get(leaseId).keys.add(key);
        }
        KeyValue kv = new KeyValue(key, value.clone(), old == null ? revision : old.createRevision(), revision,
                old == null ? 1 : old.version() + 1, leaseId);
        data.put(key, kv);
        record(new WatchEvent.Put(kv));
    }

    private void remove(String key) {
        KeyValue old = data.remove(key);
        if (old.leaseId() != 0) {
            LeaseState s = leases.get(old.leaseId());
            if (s != null) {
                s.keys.remove(key);
            }
        }
        record(new WatchEvent.Delete(key, revision));
    }

    private void record(WatchEvent e) {
        Change c = new Change(e);
        history.add(c);
        for (MemoryWatch w : watches) {
            w.offerLocked(c);
        }
    }

    private Map<String, KeyValue> range(String prefix) {
        return data.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
    }

    private static void requirePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("prefix must not be empty (it would cover the whole keyspace)");
        }
    }
}
