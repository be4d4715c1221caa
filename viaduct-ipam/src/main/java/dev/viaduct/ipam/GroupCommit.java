package dev.viaduct.ipam;

import dev.viaduct.ipam.AssignPlanner.AssignPlan;
import dev.viaduct.ipam.AssignPlanner.Exhausted;
import dev.viaduct.ipam.AssignPlanner.Pick;
import dev.viaduct.ipam.Ipam.AssignRequest;
import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.sys.log.DeferredLogger;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Automatic assignment with group commit, as the facade's class comment describes: callers queue their
 * request; whoever wins the facade's lock plans every queued request against one view of the cache
 * ({@link AssignPlanner}) and commits them all in one transaction, retrying a lost race; the others wait on
 * their request without the lock. The only part that takes the lock itself.
 */
final class GroupCommit {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);
    /** Requests per group-commit transaction: etcd allows 128 operations per branch (--max-txn-ops). */
    private static final int MAX_BATCH = 32;

    private final ReentrantLock lock;
    private final IpamStore store;
    private final Keys keys;
    private final BlockCache cache;
    private final AssignPlanner planner;
    private final IpamConfig config;
    private final IpamCounters counters;

    private final LinkedBlockingDeque<PendingAssign> queue = new LinkedBlockingDeque<>();
    private volatile int inFlight; // size of the batch being served

    GroupCommit(ReentrantLock lock, IpamStore store, BlockCache cache, AssignPlanner planner, IpamConfig config,
            IpamCounters counters) {
        this.lock = lock;
        this.store = store;
        this.keys = store.keys();
        this.cache = cache;
        this.planner = planner;
        this.config = config;
        this.counters = counters;
    }

    /** Queues a (validated) request and returns once it is committed or failed, by this caller or another. */
    Assignment assign(AssignRequest r) {
        PendingAssign mine = new PendingAssign(r);
        queue.add(mine);
        // Combining: whoever gets the lock serves everything queued; the others wait for their outcome
        // without needing the lock (a served caller must not queue for the lock just to return). A caller
        // that leaves re-checks the queue after unlocking: anything queued while it held the lock was queued
        // by a caller whose tryLock failed, and is served here or by that caller's next try.
        while (true) {
            if (lock.tryLock()) {
                try {
                    // serve until our own request is done, then a few more batches at most: a caller is
                    // not kept serving others forever under a sustained flood
                    int extra = 0;
                    List<PendingAssign> batch;
                    while ((!mine.done() || extra++ < 4) && !(batch = drainBatch()).isEmpty()) {
                        serve(batch);
                    }
                } finally {
                    lock.unlock();
                }
                if (!queue.isEmpty() || !mine.done()) {
                    continue; // requests arrived while we held the lock: serve them, or find who does
                }
                break;
            }
            if (mine.await()) {
                break; // served by whoever holds the lock
            }
        }
        return mine.outcome();
    }

    /** Assign requests queued or being committed (for tests of group commit). */
    int pending() {
        return queue.size() + inFlight;
    }

    /** A queued assign and, once served, its outcome. */
    private static final class PendingAssign extends Served<Assignment> {
        final AssignRequest request;
        Versioned<Handle> existing; // null: believed absent; lock held

        PendingAssign(AssignRequest request) {
            super("assign " + request.handle());
            this.request = request;
        }
    }

    /**
     * Takes up to {@link #MAX_BATCH} queued requests (lock held). Two requests for the same handle never go
     * in one transaction (etcd refuses a key twice): the later one waits for the next batch.
     */
    private List<PendingAssign> drainBatch() {
        List<PendingAssign> batch = new ArrayList<>();
        Set<String> handles = new HashSet<>();
        List<PendingAssign> later = new ArrayList<>();
        PendingAssign p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
            if (handles.add(p.request.handle())) {
                batch.add(p);
            } else {
                later.add(p);
            }
        }
        for (int i = later.size() - 1; i >= 0; i--) {
            queue.addFirst(later.get(i));
        }
        return batch;
    }

    /** Serves a batch (lock held): plan all, one transaction, retry on a lost race. Completes every request. */
    private void serve(List<PendingAssign> batch) {
        List<PendingAssign> open = new ArrayList<>(batch);
        inFlight = batch.size();
        long trips = 0;
        boolean refreshed = false;
        try {
            // requests queued before the store was known unreachable fail now, not one timeout per batch
            store.requireReachable();
            for (int attempt = 1; !open.isEmpty(); attempt++) {
                long before = counters.roundTrips.sum();
                cache.ensureLoaded();
                // plan every request against one view of the blocks, each seeing the previous ones' picks
                Map<IpPrefix, Versioned<Block>> view = new TreeMap<>(cache.blocks());
                Map<IpPrefix, Versioned<Pool>> poolsUsed = new TreeMap<>();
                Map<PendingAssign, AssignPlan> plans = new LinkedHashMap<>();
                boolean replan = false;
                for (PendingAssign p : List.copyOf(open)) {
                    try {
                        plans.put(p, planner.plan(p.request, p.existing, view, poolsUsed));
                    } catch (Exhausted e) {
                        if (!refreshed) {
                            // the cache may miss releases and new pools: look again before saying "full"
                            refreshed = true;
                            cache.loadPools(true);
                            cache.loadBlocks();
                            replan = true;
                            break;
                        }
                        counters.exhaustions.increment();
                        p.fail(new IpamException(Reason.EXHAUSTED, "assign " + p.request.handle() + " on node "
                                + p.request.node() + ": " + e.getMessage()));
                        open.remove(p);
                    } catch (IpamException e) {
                        p.fail(e);
                        open.remove(p);
                    }
                }
                trips += counters.roundTrips.sum() - before;
                if (replan) {
                    attempt--;
                    continue;
                }
                if (plans.isEmpty()) {
                    return;
                }
                Txn.Builder t = Txn.builder();
                List<String> fetched = new ArrayList<>();
                Set<IpPrefix> written = new TreeSet<>();
                for (AssignPlan plan : plans.values()) {
                    for (Pick pick : plan.picks()) {
                        written.add(pick.block().cidr());
                    }
                }
                for (IpPrefix c : written) {
                    Versioned<Block> finalBlock = view.get(c);
                    String bk = keys.block(c.toString());
                    t.ifModRevision(bk, finalBlock.revision()).put(bk, WireFormat.encode(finalBlock.value())).elseGet(bk);
                    fetched.add(bk);
                }
                for (Versioned<Pool> vp : poolsUsed.values()) {
                    String pk = keys.pool(vp.value().cidr().toString());
                    t.ifModRevision(pk, vp.revision()).elseGet(pk);
                    fetched.add(pk);
                }
                for (var e : plans.entrySet()) {
                    String hk = keys.handle(e.getKey().request.handle());
                    t.ifModRevision(hk, e.getKey().existing == null ? 0 : e.getKey().existing.revision())
                            .put(hk, WireFormat.encode(e.getValue().handle())).elseGet(hk);
                    fetched.add(hk);
                }
                before = counters.roundTrips.sum();
                TxnResult res = store.call(s -> s.txn(t.build()));
                trips += counters.roundTrips.sum() - before;
                if (res.succeeded()) {
                    for (IpPrefix c : written) {
                        cache.blocks().put(c, new Versioned<>(view.get(c).value(), res.revision()));
                    }
                    for (var e : plans.entrySet()) {
                        for (Pick pick : e.getValue().picks()) {
                            if (pick.claimed()) {
                                counters.claimed.increment();
                                LOG.log(Level.INFO, "block claimed block={0} node={1}", pick.block().cidr(),
                                        e.getKey().request.node());
                            }
                            if (pick.borrowed()) {
                                counters.borrowed.increment();
                            }
                        }
                        counters.assigns.increment();
                        e.getKey().succeed(e.getValue().result());
                    }
                    return;
                }
                counters.conflicts.increment();
                before = counters.roundTrips.sum();
                cache.absorb(res, fetched, null, null);
                for (PendingAssign p : open) {
                    p.existing = handleFrom(res, fetched, p.request.handle(), p.existing);
                }
                trips += counters.roundTrips.sum() - before;
                if (attempt >= config.maxAttempts()) {
                    for (PendingAssign p : open) {
                        p.fail(new IpamException(Reason.CONFLICT, "assign " + p.request.handle() + ": gave up after "
                                + attempt + " attempts, other writers kept changing blocks " + written + "; try again"));
                    }
                    return;
                }
                store.backoff(attempt);
            }
        } catch (StoreException e) {
            for (PendingAssign p : open) {
                if (!p.done()) {
                    p.fail(IpamStore.translate("assign " + p.request.handle(), e));
                }
            }
        } catch (RuntimeException e) {
            for (PendingAssign p : open) {
                if (!p.done()) {
                    p.fail(new IpamException(Reason.STORE, "assign " + p.request.handle() + ": " + e, e));
                }
            }
        } finally {
            inFlight = 0;
            counters.assignRoundTrips.add(trips);
            for (PendingAssign p : batch) {
                if (!p.done()) { // only on an Error: never leave a caller waiting forever
                    p.fail(new IpamException(Reason.STORE, "assign " + p.request.handle() + ": internal error"));
                }
            }
        }
    }

    /** The handle's state as read by a failed transaction's else branch. */
    private Versioned<Handle> handleFrom(TxnResult res, List<String> fetched, String handle, Versioned<Handle> current) {
        String hk = keys.handle(handle);
        for (int i = 0; i < fetched.size() && i < res.gets().size(); i++) {
            if (fetched.get(i).equals(hk)) {
                return res.gets().get(i).map(x -> new Versioned<>(WireFormat.decodeHandle(x), x.modRevision())).orElse(null);
            }
        }
        return current;
    }
}
