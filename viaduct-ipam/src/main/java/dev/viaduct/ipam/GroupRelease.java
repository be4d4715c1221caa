package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Release by handle with group commit, the counterpart of {@link GroupCommit}: a node deleting 100 pods at
 * once would otherwise pay 100 store round trips one after the other under the facade's lock. Callers queue
 * their handle; whoever wins the lock takes up to {@link #MAX_BATCH} queued handles, reads their records in
 * one read-only transaction, and writes every release in one transaction that compares each handle's and
 * each touched block's mod_revision (so an address re-assigned meanwhile is never freed). If that
 * transaction loses a race, each handle of the batch is released on its own by {@link Release#byHandle},
 * which retries with backoff. The others wait on their request without the lock.
 *
 * <p>Concurrency: the facade's lock guards the cache and the batch; the queue and each request's outcome
 * are thread-safe.
 */
final class GroupRelease {
    /** etcd allows 128 operations per transaction branch (--max-txn-ops); a handle costs one, its blocks share. */
    private static final int MAX_BATCH = 32;

    private final ReentrantLock lock;
    private final IpamStore store;
    private final Keys keys;
    private final BlockCache cache;
    private final Release release;
    private final IpamCounters counters;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();

    GroupRelease(ReentrantLock lock, IpamStore store, BlockCache cache, Release release, IpamCounters counters) {
        this.lock = lock;
        this.store = store;
        this.keys = store.keys();
        this.cache = cache;
        this.release = release;
        this.counters = counters;
    }

    /** Queues a (validated) handle and returns what was released once this caller or another served it. */
    List<InetAddress> release(String handle) {
        Pending mine = new Pending(handle);
        queue.add(mine);
        while (!mine.done()) {
            if (lock.tryLock()) {
                try {
                    // serve until our own request is done, then a few more batches at most (as GroupCommit)
                    int extra = 0;
                    List<Pending> batch;
                    while ((!mine.done() || extra++ < 4) && !(batch = drain()).isEmpty()) {
                        serve(batch);
                    }
                } finally {
                    lock.unlock();
                }
            } else {
                mine.await();
            }
        }
        return mine.outcome();
    }

    /** Releases queued and not yet taken into a batch (for tests of group commit). */
    int queued() {
        return queue.size();
    }

    /** Up to {@link #MAX_BATCH} queued requests, one per handle (a handle queued twice waits for the next batch). */
    private List<Pending> drain() {
        Map<String, Pending> batch = new LinkedHashMap<>();
        List<Pending> later = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
            if (batch.putIfAbsent(p.handle, p) != null) {
                later.add(p);
            }
        }
        queue.addAll(later);
        return List.copyOf(batch.values());
    }

    /** Serves a batch (lock held); completes every request in it. */
    private void serve(List<Pending> batch) {
        try {
            if (batch.size() == 1 || !releaseTogether(batch)) {
                for (Pending p : batch) {
                    serveAlone(p);
                }
            }
        } catch (StoreException e) {
            for (Pending p : batch) {
                if (!p.done()) {
                    p.fail(IpamStore.translate("release handle " + p.handle, e));
                }
            }
        } catch (RuntimeException e) {
            for (Pending p : batch) {
                if (!p.done()) {
                    p.fail(e instanceof IpamException ie ? ie
                            : new IpamException(Reason.STORE, "release handle " + p.handle + ": " + e, e));
                }
            }
        } finally {
            for (Pending p : batch) {
                if (!p.done()) { // only on an Error: never leave a caller waiting forever
                    p.fail(new IpamException(Reason.STORE, "release handle " + p.handle + ": internal error"));
                }
            }
        }
    }

    private void serveAlone(Pending p) {
        if (p.done()) {
            return;
        }
        try {
            p.succeed(release.byHandle(p.handle));
        } catch (IpamException e) {
            p.fail(e);
        }
    }

    /**
     * One read of every handle record, one transaction releasing them all. True when every request is done;
     * false when the transaction lost a race (nothing was written) and the requests are still open.
     */
    private boolean releaseTogether(List<Pending> batch) {
        Txn.Builder read = Txn.builder();
        for (Pending p : batch) {
            read.get(keys.handle(p.handle));
        }
        TxnResult records = store.call(s -> s.txn(read.build()));
        cache.loadPools(false);
        Txn.Builder t = Txn.builder();
        List<String> fetched = new ArrayList<>();
        Map<IpPrefix, Versioned<Block>> before = new LinkedHashMap<>();
        Map<IpPrefix, Block> after = new LinkedHashMap<>();
        Map<Pending, List<InetAddress>> released = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            Optional<KeyValue> kv = records.gets().get(i);
            if (kv.isEmpty()) {
                p.succeed(List.of()); // unknown handle: nothing to release (idempotent)
                continue;
            }
            Handle h;
            try {
                h = WireFormat.decodeHandle(kv.get());
            } catch (StoreException e) {
                p.fail(IpamStore.translate("release handle " + p.handle, e));
                continue;
            }
            String hk = keys.handle(p.handle);
            t.ifModRevision(hk, kv.get().modRevision()).delete(hk).elseGet(hk);
            fetched.add(hk);
            released.put(p, h.addresses());
            for (InetAddress a : new LinkedHashSet<>(h.addresses())) {
                Optional<Pool> pool = cache.poolOf(a);
                if (pool.isEmpty()) {
                    continue; // its pool was deleted: nothing left to free
                }
                IpPrefix bc = pool.get().blockOf(a);
                if (!before.containsKey(bc)) {
                    Versioned<Block> vb = cache.blocks().containsKey(bc) ? cache.blocks().get(bc) : cache.fetchBlock(bc);
                    before.put(bc, vb);
                    if (vb != null) {
                        after.put(bc, vb.value());
                    }
                }
                after.computeIfPresent(bc, (c, b) -> b.withoutHandle(p.handle));
            }
        }
        if (released.isEmpty()) {
            return true;
        }
        for (var e : before.entrySet()) {
            String bk = keys.block(e.getKey().toString());
            Versioned<Block> vb = e.getValue();
            t.ifModRevision(bk, vb == null ? 0 : vb.revision()).elseGet(bk);
            fetched.add(bk);
            Block b = after.get(e.getKey());
            if (vb != null && !b.equals(vb.value())) {
                if (b.isEmpty() && b.affinity() == null) {
                    t.delete(bk); // nobody holds it and nothing is in it
                } else {
                    t.put(bk, WireFormat.encode(b));
                }
            }
        }
        TxnResult res = store.call(s -> s.txn(t.build()));
        if (!res.succeeded()) {
            counters.conflicts.increment();
            cache.absorb(res, fetched, null, null);
            return false;
        }
        after.forEach((c, b) -> {
            if (b.isEmpty() && b.affinity() == null) {
                cache.blocks().remove(c);
            } else {
                cache.blocks().put(c, new Versioned<>(b, res.revision()));
            }
        });
        released.forEach((p, addrs) -> {
            counters.releases.increment();
            p.succeed(addrs);
        });
        return batch.stream().allMatch(Pending::done);
    }

    /** A queued release and, once served, its outcome. */
    private static final class Pending extends Served<List<InetAddress>> {
        final String handle;

        Pending(String handle) {
            super("release " + handle);
            this.handle = handle;
        }
    }
}
