package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.ipam.WireFormat.Sighting;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Listing;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Calico-style block IPAM on a {@link Datastore}.
 *
 * <p><b>Model.</b> Pools are cut into blocks ({@code /26} by default). A node claims a block (the block
 * becomes <em>affine</em> to it) and hands out that block's addresses to its pods, so other nodes route the
 * whole block to it. When its blocks are full it claims another; when the pool has no unclaimed block left
 * it <em>borrows</em> a free address from another node's block (unless strict affinity), which is then
 * routed as a host route. Every address is held by a <em>handle</em> (one per pod attachment) whose record
 * lists the handle's addresses (at most one per family).
 *
 * <p><b>Never twice.</b> Every change is one store transaction that compares the mod_revision of every key
 * it read (the block or blocks, the pool, the handle) and writes the blocks and the handle together. Two
 * writers racing for the same address cannot both succeed; a handle record and its blocks never disagree.
 * A lost race fetches the current values in the same round trip ({@code else} branch reads) and retries
 * with jittered backoff, at most {@link IpamConfig#maxAttempts()} times, then fails with a "try again"
 * error.
 *
 * <p><b>Round trips.</b> Blocks and pools are cached; on the common path (an affine block has room) an
 * assign is one transaction. A stale cache only costs a failed compare, which refreshes it. The count is
 * in {@link #stats()}.
 *
 * <p><b>Concurrency.</b> One lock per instance guards the cache and serialises this instance's writes (one
 * instance serves one node: its pods would only conflict with each other on the same block). Concurrent
 * assigns are combined: the lock holder commits every queued request in one transaction (group commit) and
 * the others wait for their outcome. Instances on different nodes coordinate through the store alone. Calls
 * block; call from virtual threads.
 */
public final class Ipam {
    private static final System.Logger LOG = System.getLogger(Ipam.class.getName());
    private static final int MAX_NAME = 512;
    /** Requests per group-commit transaction: etcd allows 128 operations per branch (--max-txn-ops). */
    private static final int MAX_BATCH = 32;

    private final Datastore store;
    private final Keys keys;
    private final IpamConfig config;
    private final KnownNodes nodes;
    private final InstantSource clock;

    private final ReentrantLock lock = new ReentrantLock();
    private final java.util.concurrent.LinkedBlockingDeque<PendingAssign> queue = new java.util.concurrent.LinkedBlockingDeque<>();
    // --- guarded by lock ---
    private final Map<Cidr, Versioned<Block>> blocks = new TreeMap<>();
    private final Set<Cidr> unusableBlocks = new TreeSet<>();
    private boolean blocksLoaded;
    private final Map<Cidr, Versioned<Pool>> pools = new TreeMap<>();
    private Instant poolsLoadedAt;
    private volatile int inFlight; // size of the batch being served

    private final LongAdder assigns = new LongAdder();
    private final LongAdder releases = new LongAdder();
    private final LongAdder roundTrips = new LongAdder();
    private final LongAdder assignRoundTrips = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder claimed = new LongAdder();
    private final LongAdder borrowed = new LongAdder();
    private final LongAdder exhaustions = new LongAdder();

    /** A value with the mod_revision it was read (or written) at. */
    record Versioned<T>(T value, long revision) {
    }

    public Ipam(Datastore store, Keys keys, IpamConfig config, KnownNodes nodes, InstantSource clock) {
        this.store = store;
        this.keys = keys;
        this.config = config;
        this.nodes = nodes;
        this.clock = clock;
    }

    /** Default config, nodes from the store's node records, the system clock. */
    public Ipam(Datastore store, Keys keys) {
        this(store, keys, IpamConfig.defaults(), new NodesInStore(store, keys), InstantSource.system());
    }

    /** An assign request: families wanted, attributes to store, optionally which pools to use. */
    public record AssignRequest(String handle, String node, boolean ipv4, boolean ipv6, Map<String, String> attributes,
            List<Cidr> pools) {
        public AssignRequest {
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
            pools = pools == null ? List.of() : List.copyOf(pools);
        }
    }

    // ------------------------------------------------------------------ assign

    /** Assigns one address per requested family to {@code handle}, allocated by {@code node}. */
    public Assignment assign(String handle, String node, boolean ipv4, boolean ipv6, Map<String, String> attributes) {
        return assign(new AssignRequest(handle, node, ipv4, ipv6, attributes, List.of()));
    }

    /**
     * Assigns addresses. Idempotent per handle: if the handle already holds an address of a requested family
     * it is returned (a retried CNI ADD gets the same address), and only missing families are allocated.
     *
     * <p>Concurrent calls on one instance are committed together (group commit): whichever caller holds the
     * lock plans every queued request against the cache and writes them all in one transaction, so 16 pods
     * starting at once cost about one round trip, not sixteen.
     *
     * @throws IpamException EXHAUSTED when no pool has a free address for the node; CONFLICT or UNAVAILABLE
     *         (try again); INVALID for bad input or a handle that belongs to another node
     */
    public Assignment assign(AssignRequest r) {
        validateName("handle", r.handle());
        validateName("node", r.node());
        validateAttributes(r.attributes());
        if (!r.ipv4() && !r.ipv6()) {
            throw new IpamException(Reason.INVALID, "assign " + r.handle() + ": ask for at least one of IPv4 and IPv6");
        }
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

    /** A queued assign and, once served, its outcome. */
    private static final class PendingAssign {
        final AssignRequest request;
        final java.util.concurrent.CountDownLatch served = new java.util.concurrent.CountDownLatch(1);
        Versioned<Handle> existing; // null: believed absent; lock held
        volatile Assignment result;
        volatile IpamException failure;

        PendingAssign(AssignRequest request) {
            this.request = request;
        }

        boolean done() {
            return served.getCount() == 0;
        }

        void succeed(Assignment a) {
            result = a;
            served.countDown();
        }

        void fail(IpamException e) {
            failure = e;
            served.countDown();
        }

        /** Waits a little for someone else to serve this request; true if it was. */
        boolean await() {
            try {
                return served.await(20, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IpamException(Reason.UNAVAILABLE, "assign " + request.handle() + ": interrupted; try again", e);
            }
        }

        Assignment outcome() {
            if (failure != null) {
                // a fresh exception for this caller's stack; the original (possibly another thread's) as cause
                throw new IpamException(failure.reason(), failure.getMessage(), failure);
            }
            return result;
        }
    }

    /**
     * Takes up to {@link #MAX_BATCH} queued requests (lock held). Two requests for the same handle never go
     * in one transaction (etcd refuses a key twice): the later one waits for the next batch.
     */
    private List<PendingAssign> drainBatch() {
        List<PendingAssign> batch = new ArrayList<>();
        Set<String> handles = new java.util.HashSet<>();
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
            for (int attempt = 1; !open.isEmpty(); attempt++) {
                long before = roundTrips.sum();
                ensureLoaded();
                // plan every request against one view of the blocks, each seeing the previous ones' picks
                Map<Cidr, Versioned<Block>> view = new TreeMap<>(blocks);
                Map<Cidr, Versioned<Pool>> poolsUsed = new TreeMap<>();
                Map<PendingAssign, AssignPlan> plans = new LinkedHashMap<>();
                boolean replan = false;
                for (PendingAssign p : List.copyOf(open)) {
                    try {
                        plans.put(p, planAssign(p.request, p.existing, view, poolsUsed));
                    } catch (Exhausted e) {
                        if (!refreshed) {
                            // the cache may miss releases and new pools: look again before saying "full"
                            refreshed = true;
                            loadPools(true);
                            loadBlocks();
                            replan = true;
                            break;
                        }
                        exhaustions.increment();
                        p.fail(new IpamException(Reason.EXHAUSTED, "assign " + p.request.handle() + " on node "
                                + p.request.node() + ": " + e.getMessage()));
                        open.remove(p);
                    } catch (IpamException e) {
                        p.fail(e);
                        open.remove(p);
                    }
                }
                trips += roundTrips.sum() - before;
                if (replan) {
                    attempt--;
                    continue;
                }
                if (plans.isEmpty()) {
                    return;
                }
                Txn.Builder t = Txn.builder();
                List<String> fetched = new ArrayList<>();
                Set<Cidr> written = new TreeSet<>();
                for (AssignPlan plan : plans.values()) {
                    for (Pick pick : plan.picks()) {
                        written.add(pick.block().cidr());
                    }
                }
                for (Cidr c : written) {
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
                before = roundTrips.sum();
                TxnResult res = call(() -> store.txn(t.build()));
                trips += roundTrips.sum() - before;
                if (res.succeeded()) {
                    for (Cidr c : written) {
                        blocks.put(c, new Versioned<>(view.get(c).value(), res.revision()));
                    }
                    for (var e : plans.entrySet()) {
                        for (Pick pick : e.getValue().picks()) {
                            if (pick.claimed()) {
                                claimed.increment();
                                LOG.log(Level.INFO, "block claimed block={0} node={1}", pick.block().cidr(),
                                        e.getKey().request.node());
                            }
                            if (pick.borrowed()) {
                                borrowed.increment();
                            }
                        }
                        assigns.increment();
                        e.getKey().succeed(e.getValue().result());
                    }
                    return;
                }
                conflicts.increment();
                before = roundTrips.sum();
                absorb(res, fetched, null, null);
                for (PendingAssign p : open) {
                    p.existing = handleFrom(res, fetched, p.request.handle(), p.existing);
                }
                trips += roundTrips.sum() - before;
                if (attempt >= config.maxAttempts()) {
                    for (PendingAssign p : open) {
                        p.fail(new IpamException(Reason.CONFLICT, "assign " + p.request.handle() + ": gave up after "
                                + attempt + " attempts, other writers kept changing blocks " + written + "; try again"));
                    }
                    return;
                }
                backoff(attempt);
            }
        } catch (StoreException e) {
            for (PendingAssign p : open) {
                if (!p.done()) {
                    p.fail(translate("assign " + p.request.handle(), e));
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
            assignRoundTrips.add(trips);
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

    /**
     * The chosen address of one family: the block after the allocation, and how it was found. The block's
     * compare revision lives in the planning view.
     */
    private record Pick(Block block, Versioned<Pool> pool, InetAddress address, boolean claimed, boolean borrowed) {
    }

    private record AssignPlan(List<Pick> picks, Handle handle, Assignment result) {
    }

    /** No free address: the message says which family and what was searched. */
    private static final class Exhausted extends Exception {
        Exhausted(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Plans one request against {@code view} (the cache plus earlier picks of the batch, each entry carrying
     * the revision to compare); records picks in the view and the pools used in {@code poolsUsed}.
     */
    private AssignPlan planAssign(AssignRequest r, Versioned<Handle> existing, Map<Cidr, Versioned<Block>> view,
            Map<Cidr, Versioned<Pool>> poolsUsed) throws Exhausted {
        if (existing != null && !existing.value().node().equals(r.node())) {
            throw new IpamException(Reason.INVALID, "handle " + r.handle() + " already holds "
                    + fmt(existing.value().addresses()) + " allocated by node " + existing.value().node()
                    + ", not " + r.node());
        }
        List<Pick> picks = new ArrayList<>();
        List<InetAddress> addresses = new ArrayList<>(existing == null ? List.of() : existing.value().addresses());
        if (r.ipv4() && (existing == null || existing.value().ipv4().isEmpty())) {
            picks.add(pick(true, r, view));
        }
        if (r.ipv6() && (existing == null || existing.value().ipv6().isEmpty())) {
            picks.add(pick(false, r, view));
        }
        for (Pick p : picks) {
            addresses.add(p.address());
            Versioned<Block> old = view.get(p.block().cidr());
            view.put(p.block().cidr(), new Versioned<>(p.block(), old == null ? 0 : old.revision()));
            poolsUsed.put(p.pool().value().cidr(), p.pool());
        }
        Map<String, String> attrs = r.attributes().isEmpty() && existing != null ? existing.value().attributes() : r.attributes();
        // a re-assign rewrites the handle too: its new mod_revision voids any GC sighting of it
        Handle h = new Handle(r.handle(), r.node(), addresses, attrs, clock.instant());

        List<Assignment.Assigned> result = new ArrayList<>();
        for (InetAddress a : addresses) {
            boolean v4 = a instanceof java.net.Inet4Address;
            if (v4 ? !r.ipv4() : !r.ipv6()) {
                continue;
            }
            Optional<Pick> p = picks.stream().filter(x -> x.address().equals(a)).findFirst();
            if (p.isPresent()) {
                result.add(new Assignment.Assigned(a, p.get().block().cidr(), p.get().pool().value().cidr(), p.get().borrowed()));
            } else {
                Optional<Pool> pool = poolOf(a);
                Cidr bc = pool.map(x -> x.blockOf(a)).orElse(Cidr.containing(a, v4 ? 32 : 128));
                Versioned<Block> vb = view.get(bc);
                boolean b = vb != null && !r.node().equals(vb.value().affinity());
                result.add(new Assignment.Assigned(a, bc, pool.map(Pool::cidr).orElse(bc), b));
            }
        }
        return new AssignPlan(picks, h, new Assignment(r.handle(), result));
    }

    /** Finds a free address of one family: an affine block, else a new block, else a borrowed address. */
    private Pick pick(boolean v4, AssignRequest r, Map<Cidr, Versioned<Block>> view) throws Exhausted {
        String family = v4 ? "IPv4" : "IPv6";
        List<Versioned<Pool>> eligible = new ArrayList<>();
        for (Versioned<Pool> p : pools.values()) {
            Pool pool = p.value();
            if (pool.isIpv4() == v4 && !pool.disabled() && (r.pools().isEmpty() || r.pools().contains(pool.cidr()))) {
                eligible.add(p);
            }
        }
        if (eligible.isEmpty()) {
            throw new Exhausted("no enabled " + family + " pool" + (r.pools().isEmpty() ? "" : " among " + r.pools()));
        }
        // 1. the node's own blocks
        for (Versioned<Block> vb : view.values()) {
            Block b = vb.value();
            if (!r.node().equals(b.affinity()) || b.cidr().isIpv4() != v4) {
                continue;
            }
            Versioned<Pool> pool = poolOfBlock(eligible, b.cidr());
            if (pool == null) {
                continue;
            }
            Optional<InetAddress> free = b.firstFree(pool.value());
            if (free.isPresent()) {
                return new Pick(b.with(new Block.Allocation(free.get(), r.handle(), r.node())), pool, free.get(), false, false);
            }
        }
        // 2. claim a new block from a pool whose selector takes this node
        Map<String, String> labels = null;
        List<Versioned<Pool>> selected = new ArrayList<>();
        for (Versioned<Pool> p : eligible) {
            if (!p.value().selector().selectsAll()) {
                if (labels == null) {
                    labels = nodes.labels(r.node()).orElse(Map.of());
                }
                if (!p.value().selector().matches(labels)) {
                    continue;
                }
            }
            selected.add(p);
        }
        if (selected.isEmpty()) {
            throw new Exhausted("no enabled " + family + " pool selects node " + r.node() + " (pools "
                    + eligible.stream().map(p -> p.value().cidr() + " " + p.value().nodeSelector()).toList() + ")");
        }
        for (Versioned<Pool> p : selected) {
            Optional<Cidr> c = unclaimedBlock(p.value(), r.node(), view);
            if (c.isPresent()) {
                Block fresh = Block.empty(c.get(), r.node());
                Optional<InetAddress> free = fresh.firstFree(p.value());
                if (free.isPresent()) {
                    return new Pick(fresh.with(new Block.Allocation(free.get(), r.handle(), r.node())), p, free.get(), true, false);
                }
            }
        }
        // 3. borrow from another node's block (Calico: only without strict affinity)
        if (!config.strictAffinity()) {
            List<Versioned<Block>> candidates = new ArrayList<>();
            for (Versioned<Block> vb : view.values()) {
                if (vb.value().cidr().isIpv4() == v4 && !r.node().equals(vb.value().affinity())
                        && poolOfBlock(selected, vb.value().cidr()) != null) {
                    candidates.add(vb);
                }
            }
            int n = candidates.size();
            int start = n == 0 ? 0 : Math.floorMod(r.node().hashCode(), n);
            for (int i = 0; i < n; i++) {
                Versioned<Block> vb = candidates.get((start + i) % n);
                Versioned<Pool> pool = poolOfBlock(selected, vb.value().cidr());
                Optional<InetAddress> free = vb.value().firstFree(pool.value());
                if (free.isPresent()) {
                    return new Pick(vb.value().with(new Block.Allocation(free.get(), r.handle(), r.node())), pool, free.get(),
                            false, true);
                }
            }
        }
        throw new Exhausted("no free " + family + " address: every block of pools "
                + selected.stream().map(p -> p.value().cidr()).toList() + " is claimed and "
                + (config.strictAffinity() ? "full (strict affinity: no borrowing)" : "full"));
    }

    /** A block of {@code pool} that no one holds, searched from a node-dependent start (fewer claim races). */
    private Optional<Cidr> unclaimedBlock(Pool pool, String node, Map<Cidr, Versioned<Block>> view) {
        BigInteger count = BigInteger.ONE.shiftLeft(pool.blockSize() - pool.cidr().prefixLength());
        long inPool = view.keySet().stream().filter(c -> pool.cidr().contains(c)).count();
        BigInteger limit = count.min(BigInteger.valueOf(inPool + unusableBlocks.size() + 4097));
        BigInteger start = BigInteger.valueOf(node.hashCode() & 0x7fffffffL).mod(count);
        for (BigInteger i = BigInteger.ZERO; i.compareTo(limit) < 0; i = i.add(BigInteger.ONE)) {
            Cidr c = pool.cidr().subnet(pool.blockSize(), start.add(i).mod(count));
            if (view.containsKey(c) || unusableBlocks.contains(c)) {
                continue;
            }
            if (pool.reserved().stream().anyMatch(res -> res.contains(c))) {
                continue;
            }
            return Optional.of(c);
        }
        return Optional.empty();
    }

    private static Versioned<Pool> poolOfBlock(List<Versioned<Pool>> candidates, Cidr block) {
        for (Versioned<Pool> p : candidates) {
            if (p.value().cidr().contains(block) && p.value().blockSize() == block.prefixLength()) {
                return p;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ static addresses

    /**
     * Assigns the specific address {@code ip} to {@code handle} (a static IP). The address must be in a pool
     * (a disabled pool is fine: disabled only stops automatic assignment) and not reserved. If its block does
     * not exist yet, {@code node} claims it. Idempotent for the same handle.
     *
     * @throws IpamException ADDRESS_TAKEN ("10.244.0.5 is already assigned to handle X"), NOT_IN_POOL
     *         ("10.9.9.9 is not in any pool"), RESERVED, INVALID (the handle already holds another address
     *         of that family)
     */
    public Assignment assignStatic(String handle, String node, InetAddress ip, Map<String, String> attributes) {
        validateName("handle", handle);
        validateName("node", node);
        validateAttributes(attributes);
        String ipText = Cidr.format(ip);
        lock.lock();
        long tripsBefore = roundTrips.sum();
        try {
            Versioned<Handle> existing = null;
            boolean blockFetched = false;
            for (int attempt = 1; ; attempt++) {
                loadPools(false);
                Optional<Pool> maybePool = poolOf(ip);
                if (maybePool.isEmpty()) {
                    loadPools(true);
                    maybePool = poolOf(ip);
                }
                Pool pool = maybePool.orElseThrow(() -> new IpamException(Reason.NOT_IN_POOL, ipText + " is not in any pool"
                        + " (pools: " + pools.keySet() + ")"));
                if (pool.isReserved(ip)) {
                    throw new IpamException(Reason.RESERVED, ipText + " is reserved in pool " + pool.cidr()
                            + " and is never handed out");
                }
                Cidr bc = pool.blockOf(ip);
                String bk = keys.block(bc.toString());
                Versioned<Block> vb = blocks.get(bc);
                if (vb == null && !blockFetched) {
                    vb = fetchBlock(bc);
                    blockFetched = true;
                }
                if (vb != null) {
                    Optional<Block.Allocation> taken = vb.value().allocation(ip);
                    if (taken.isPresent() && !blockFetched) {
                        vb = fetchBlock(bc); // never refuse on the strength of a stale cache
                        blockFetched = true;
                        taken = vb == null ? Optional.empty() : vb.value().allocation(ip);
                    }
                    if (taken.isPresent()) {
                        if (taken.get().handle().equals(handle)) {
                            return new Assignment(handle, List.of(new Assignment.Assigned(ip, bc, pool.cidr(),
                                    !node.equals(vb.value().affinity()))));
                        }
                        throw new IpamException(Reason.ADDRESS_TAKEN, ipText + " is already assigned to handle "
                                + taken.get().handle() + " (node " + taken.get().node() + ")");
                    }
                }
                if (existing != null) {
                    Handle h = existing.value();
                    if (!h.node().equals(node)) {
                        throw new IpamException(Reason.INVALID, "handle " + handle + " already holds "
                                + fmt(h.addresses()) + " allocated by node " + h.node() + ", not " + node);
                    }
                    Optional<InetAddress> same = ip instanceof java.net.Inet4Address ? h.ipv4() : h.ipv6();
                    if (same.isPresent() && !same.get().equals(ip)) {
                        throw new IpamException(Reason.INVALID, "handle " + handle + " already holds "
                                + Cidr.format(same.get()) + "; release it before assigning " + ipText);
                    }
                }
                Block before = vb == null ? Block.empty(bc, node) : vb.value();
                Block after = before.with(new Block.Allocation(ip, handle, node));
                after = new Block(after.cidr(), after.affinity(), after.allocations(), before.next());
                List<InetAddress> addrs = new ArrayList<>(existing == null ? List.of() : existing.value().addresses());
                addrs.add(ip);
                Handle h = new Handle(handle, node, addrs, (attributes == null || attributes.isEmpty()) && existing != null
                        ? existing.value().attributes() : attributes, clock.instant());
                Versioned<Pool> vp = pools.get(pool.cidr());
                String pk = keys.pool(pool.cidr().toString());
                String hk = keys.handle(handle);
                Txn txn = Txn.builder()
                        .ifModRevision(bk, vb == null ? 0 : vb.revision()).put(bk, WireFormat.encode(after)).elseGet(bk)
                        .ifModRevision(pk, vp.revision()).elseGet(pk)
                        .ifModRevision(hk, existing == null ? 0 : existing.revision()).put(hk, WireFormat.encode(h)).elseGet(hk)
                        .build();
                TxnResult res = call(() -> store.txn(txn));
                if (res.succeeded()) {
                    blocks.put(bc, new Versioned<>(after, res.revision()));
                    if (vb == null) {
                        claimed.increment();
                    }
                    assigns.increment();
                    return new Assignment(handle, List.of(new Assignment.Assigned(ip, bc, pool.cidr(), !node.equals(after.affinity()))));
                }
                conflicts.increment();
                existing = absorb(res, List.of(bk, pk, hk), handle, existing);
                blockFetched = true; // the else branch just read it
                if (attempt >= config.maxAttempts()) {
                    throw new IpamException(Reason.CONFLICT, "assign " + ipText + " to " + handle + ": gave up after "
                            + attempt + " attempts (block " + bc + " kept changing); try again");
                }
                backoff(attempt);
            }
        } catch (StoreException e) {
            throw translate("assign " + ipText + " to " + handle, e);
        } finally {
            assignRoundTrips.add(roundTrips.sum() - tripsBefore);
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ release

    /**
     * Releases every address of {@code handle} and deletes the handle. Idempotent: an unknown handle
     * releases nothing. Returns the released addresses.
     */
    public List<InetAddress> releaseByHandle(String handle) {
        validateName("handle", handle);
        lock.lock();
        try {
            String hk = keys.handle(handle);
            Optional<KeyValue> kv = call(() -> store.get(hk));
            if (kv.isEmpty()) {
                return List.of();
            }
            Versioned<Handle> h = new Versioned<>(WireFormat.decodeHandle(kv.get()), kv.get().modRevision());
            loadPools(false);
            for (int attempt = 1; ; attempt++) {
                Txn.Builder t = Txn.builder();
                List<String> fetched = new ArrayList<>();
                Map<Cidr, Block> changed = new LinkedHashMap<>();
                for (InetAddress a : h.value().addresses()) {
                    Optional<Pool> pool = poolOf(a);
                    if (pool.isEmpty()) {
                        continue; // its pool was deleted: nothing left to free
                    }
                    Cidr bc = pool.get().blockOf(a);
                    if (changed.containsKey(bc)) {
                        continue;
                    }
                    String bk = keys.block(bc.toString());
                    Versioned<Block> vb = blocks.containsKey(bc) ? blocks.get(bc) : fetchBlock(bc);
                    fetched.add(bk);
                    t.ifModRevision(bk, vb == null ? 0 : vb.revision()).elseGet(bk);
                    if (vb != null && vb.value().allocations().stream().anyMatch(x -> x.handle().equals(handle))) {
                        Block after = vb.value().withoutHandle(handle);
                        changed.put(bc, after);
                        if (after.isEmpty() && after.affinity() == null) {
                            t.delete(bk); // nobody holds it and nothing is in it
                        } else {
                            t.put(bk, WireFormat.encode(after));
                        }
                    }
                }
                t.ifModRevision(hk, h.revision()).delete(hk).elseGet(hk);
                fetched.add(hk);
                TxnResult res = call(() -> store.txn(t.build()));
                if (res.succeeded()) {
                    changed.forEach((c, b) -> {
                        if (b.isEmpty() && b.affinity() == null) {
                            blocks.remove(c);
                        } else {
                            blocks.put(c, new Versioned<>(b, res.revision()));
                        }
                    });
                    releases.increment();
                    return h.value().addresses();
                }
                conflicts.increment();
                Versioned<Handle> now = absorb(res, fetched, handle, h);
                if (now == null) {
                    return List.of(); // released by someone else meanwhile
                }
                h = now;
                if (attempt >= config.maxAttempts()) {
                    throw new IpamException(Reason.CONFLICT, "release handle " + handle + ": gave up after " + attempt
                            + " attempts; try again");
                }
                backoff(attempt);
            }
        } catch (StoreException e) {
            throw translate("release handle " + handle, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases one address, whoever holds it; the handle keeps its other addresses (or is deleted when this
     * was its last). Returns the handle it belonged to, or empty when it was not allocated.
     *
     * @throws IpamException NOT_IN_POOL when the address is in no pool
     */
    public Optional<String> releaseAddress(InetAddress ip) {
        String ipText = Cidr.format(ip);
        lock.lock();
        try {
            loadPools(false);
            Pool pool = poolOf(ip).orElseThrow(() -> new IpamException(Reason.NOT_IN_POOL, ipText + " is not in any pool"));
            Cidr bc = pool.blockOf(ip);
            String bk = keys.block(bc.toString());
            Versioned<Block> vb = fetchBlock(bc);
            for (int attempt = 1; ; attempt++) {
                Optional<Block.Allocation> alloc = vb == null ? Optional.empty() : vb.value().allocation(ip);
                if (alloc.isEmpty()) {
                    return Optional.empty();
                }
                String handle = alloc.get().handle();
                String hk = keys.handle(handle);
                Optional<KeyValue> hkv = call(() -> store.get(hk));
                Block after = vb.value().withoutAddress(ip);
                Txn.Builder t = Txn.builder().ifModRevision(bk, vb.revision()).elseGet(bk);
                if (after.isEmpty() && after.affinity() == null) {
                    t.delete(bk);
                } else {
                    t.put(bk, WireFormat.encode(after));
                }
                t.ifModRevision(hk, hkv.map(KeyValue::modRevision).orElse(0L));
                if (hkv.isPresent()) {
                    Handle h = WireFormat.decodeHandle(hkv.get());
                    List<InetAddress> rest = h.addresses().stream().filter(a -> !a.equals(ip)).toList();
                    if (rest.isEmpty()) {
                        t.delete(hk);
                    } else {
                        t.put(hk, WireFormat.encode(new Handle(h.id(), h.node(), rest, h.attributes(), h.assigned())));
                    }
                }
                TxnResult res = call(() -> store.txn(t.build()));
                if (res.succeeded()) {
                    if (after.isEmpty() && after.affinity() == null) {
                        blocks.remove(bc);
                    } else {
                        blocks.put(bc, new Versioned<>(after, res.revision()));
                    }
                    releases.increment();
                    return Optional.of(handle);
                }
                conflicts.increment();
                absorb(res, List.of(bk), null, null);
                vb = blocks.get(bc);
                if (attempt >= config.maxAttempts()) {
                    throw new IpamException(Reason.CONFLICT, "release " + ipText + ": gave up after " + attempt
                            + " attempts; try again");
                }
                backoff(attempt);
            }
        } catch (StoreException e) {
            throw translate("release " + ipText, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases {@code node}'s affinity to its empty blocks (deletes them), so other nodes can claim them.
     * With {@code evenIfUsed} (the node is gone for good) blocks still holding addresses lose their
     * affinity too and stay, routed per address, until their last address is released. Returns the blocks
     * whose affinity was released.
     */
    public List<Cidr> releaseAffinity(String node, boolean evenIfUsed) {
        validateName("node", node);
        lock.lock();
        try {
            loadBlocks();
            List<Cidr> released = new ArrayList<>();
            for (Versioned<Block> vb : List.copyOf(blocks.values())) {
                Block b = vb.value();
                if (!node.equals(b.affinity()) || (!b.isEmpty() && !evenIfUsed)) {
                    continue;
                }
                String bk = keys.block(b.cidr().toString());
                boolean ok = b.isEmpty()
                        ? call(() -> store.compareAndDelete(bk, vb.revision()))
                        : call(() -> store.compareAndSwap(bk, vb.revision(), WireFormat.encode(b.withAffinity(null))));
                if (ok) {
                    released.add(b.cidr());
                    LOG.log(Level.INFO, "block affinity released block={0} node={1} allocations={2,number,#}", b.cidr(), node,
                            b.allocations().size());
                }
            }
            blocksLoaded = false; // re-read next time: the deletes and rewrites changed revisions
            return released;
        } catch (StoreException e) {
            throw translate("release affinity of " + node, e);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ garbage collection

    /**
     * Releases leaked addresses: handles (and block allocations without a handle record) that are not in
     * {@code liveHandles}, but only once each has been seen dead for {@code grace} — a handle is
     * <em>marked</em> the first time (the sighting is stored), and released by a later run at least
     * {@code grace} after the mark, if it is still dead and its record has not changed since (a re-assign
     * rewrites the record, voiding the sighting). The release compares every revision it read, so an address
     * re-assigned in between is never freed. Zero grace releases on first sight. With {@code node}, only
     * handles allocated by that node are considered ({@code liveHandles} is that node's live set). A dry run
     * writes nothing and reports what a real run would do now.
     */
    public GcReport gc(Set<String> liveHandles, Optional<String> node, Duration grace, boolean dryRun) {
        if (grace.isNegative()) {
            throw new IpamException(Reason.INVALID, "gc: grace must not be negative, got " + grace);
        }
        lock.lock();
        try {
            Instant now = clock.instant();
            Map<String, Versioned<Handle>> handles = new TreeMap<>();
            for (KeyValue kv : call(() -> store.list(keys.handles())).kvs()) {
                Handle h = decodeOrSkip(kv, WireFormat::decodeHandle);
                if (h != null) {
                    handles.put(h.id(), new Versioned<>(h, kv.modRevision()));
                }
            }
            loadBlocks();
            Map<String, List<Versioned<Block>>> blocksByHandle = new TreeMap<>();
            for (Versioned<Block> vb : blocks.values()) {
                for (Block.Allocation a : vb.value().allocations()) {
                    List<Versioned<Block>> l = blocksByHandle.computeIfAbsent(a.handle(), k -> new ArrayList<>());
                    if (!l.contains(vb)) {
                        l.add(vb);
                    }
                }
            }
            Map<String, Versioned<Sighting>> sightings = new TreeMap<>();
            for (KeyValue kv : call(() -> store.list(keys.gcSightings())).kvs()) {
                Sighting s = decodeOrSkip(kv, WireFormat::decodeSighting);
                if (s != null) {
                    sightings.put(s.handle(), new Versioned<>(s, kv.modRevision()));
                }
            }
            Set<String> candidates = new TreeSet<>(handles.keySet());
            candidates.addAll(blocksByHandle.keySet());
            List<GcReport.Leak> released = new ArrayList<>();
            List<GcReport.Leak> pending = new ArrayList<>();
            List<GcReport.Leak> marked = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            int kept = 0;
            for (String id : candidates) {
                Versioned<Handle> h = handles.get(id);
                List<Versioned<Block>> bs = blocksByHandle.getOrDefault(id, List.of());
                String owner = h != null ? h.value().node() : bs.getFirst().value().allocations().stream()
                        .filter(a -> a.handle().equals(id)).findFirst().orElseThrow().node();
                if (node.isPresent() && !node.get().equals(owner)) {
                    continue;
                }
                Versioned<Sighting> s = sightings.remove(id);
                if (liveHandles.contains(id)) {
                    kept++;
                    if (s != null && !dryRun) {
                        call(() -> store.compareAndDelete(keys.gcSighting(id), s.revision()));
                    }
                    continue;
                }
                long hrev = h == null ? 0 : h.revision();
                Set<InetAddress> addrs = new LinkedHashSet<>(h == null ? List.of() : h.value().addresses());
                bs.forEach(vb -> vb.value().allocations().stream().filter(a -> a.handle().equals(id))
                        .forEach(a -> addrs.add(a.address())));
                boolean fresh = s == null || s.value().handleRevision() != hrev;
                Instant since = fresh ? now : s.value().deadSince();
                GcReport.Leak leak = new GcReport.Leak(id, owner, List.copyOf(addrs), since, since.plus(grace));
                if (fresh && !grace.isZero()) {
                    if (!dryRun) {
                        byte[] v = WireFormat.encode(new Sighting(id, owner, now, hrev));
                        call(() -> store.compareAndSwap(keys.gcSighting(id), s == null ? 0 : s.revision(), v));
                    }
                    marked.add(leak);
                    continue;
                }
                if (now.isBefore(since.plus(grace))) {
                    pending.add(leak);
                    continue;
                }
                if (dryRun) {
                    released.add(leak);
                    continue;
                }
                if (releaseLeak(id, h, bs, s == null ? 0 : s.revision())) {
                    released.add(leak);
                    LOG.log(Level.WARNING, "gc released leaked handle={0} node={1} addresses={2} deadSince={3}",
                            id, owner, fmt(addrs), since);
                } else {
                    skipped.add(id);
                }
            }
            if (!dryRun) {
                // sightings of handles that are gone entirely
                for (Versioned<Sighting> s : sightings.values()) {
                    if (node.isEmpty() || node.get().equals(s.value().node())) {
                        call(() -> store.compareAndDelete(keys.gcSighting(s.value().handle()), s.revision()));
                    }
                }
            }
            return new GcReport(dryRun, released, pending, marked, kept, skipped);
        } catch (StoreException e) {
            throw translate("gc", e);
        } finally {
            lock.unlock();
        }
    }

    /** One transaction: the handle and its allocations go, if nothing changed since gc read them. */
    private boolean releaseLeak(String id, Versioned<Handle> h, List<Versioned<Block>> bs, long sightingRevision) {
        Txn.Builder t = Txn.builder();
        for (Versioned<Block> vb : bs) {
            String bk = keys.block(vb.value().cidr().toString());
            Block after = vb.value().withoutHandle(id);
            t.ifModRevision(bk, vb.revision());
            if (after.isEmpty() && after.affinity() == null) {
                t.delete(bk);
            } else {
                t.put(bk, WireFormat.encode(after));
            }
        }
        String hk = keys.handle(id);
        t.ifModRevision(hk, h == null ? 0 : h.revision());
        if (h != null) {
            t.delete(hk);
        }
        String sk = keys.gcSighting(id);
        t.ifModRevision(sk, sightingRevision);
        if (sightingRevision != 0) {
            t.delete(sk);
        }
        TxnResult res = call(() -> store.txn(t.build()));
        blocksLoaded = false;
        if (res.succeeded()) {
            releases.increment();
        }
        return res.succeeded();
    }

    // ------------------------------------------------------------------ check

    /** Consistency report over all blocks, handles and nodes (reads only). */
    public CheckReport check() {
        lock.lock();
        try {
            loadPools(true);
            loadBlocks();
            Map<String, Handle> handles = new TreeMap<>();
            for (KeyValue kv : call(() -> store.list(keys.handles())).kvs()) {
                Handle h = decodeOrSkip(kv, WireFormat::decodeHandle);
                if (h != null) {
                    handles.put(h.id(), h);
                }
            }
            Set<String> nodeNames = nodes.names();
            List<CheckReport.Orphan> orphans = new ArrayList<>();
            List<CheckReport.Missing> missing = new ArrayList<>();
            List<InetAddress> several = new ArrayList<>();
            List<Cidr> ofMissingNodes = new ArrayList<>();
            List<CheckReport.Sparse> sparse = new ArrayList<>();
            List<InetAddress> reservedAllocated = new ArrayList<>();
            Map<InetAddress, String> allocatedTo = new LinkedHashMap<>();
            int allocations = 0;
            Map<String, Integer> blocksPerNodeFamily = new TreeMap<>();
            for (Versioned<Block> vb : blocks.values()) {
                Block b = vb.value();
                if (b.affinity() != null) {
                    blocksPerNodeFamily.merge(b.affinity() + (b.cidr().isIpv4() ? "/4" : "/6"), 1, Integer::sum);
                }
            }
            for (Versioned<Block> vb : blocks.values()) {
                Block b = vb.value();
                Optional<Pool> pool = poolOf(b.cidr().address());
                for (Block.Allocation a : b.allocations()) {
                    allocations++;
                    allocatedTo.put(a.address(), a.handle());
                    Handle h = handles.get(a.handle());
                    if (h == null || !h.addresses().contains(a.address())) {
                        orphans.add(new CheckReport.Orphan(a.address(), a.handle(), b.cidr()));
                    }
                    if (pool.isPresent() && pool.get().isReserved(a.address())) {
                        reservedAllocated.add(a.address());
                    }
                }
                if (b.affinity() != null && !nodeNames.contains(b.affinity())) {
                    ofMissingNodes.add(b.cidr());
                }
                if (b.affinity() != null && blocksPerNodeFamily.get(b.affinity() + (b.cidr().isIpv4() ? "/4" : "/6")) > 1
                        && b.allocations().size() <= config.mostlyEmptyFraction() * b.size()) {
                    sparse.add(new CheckReport.Sparse(b.cidr(), b.affinity(), b.allocations().size(), b.size()));
                }
            }
            Map<InetAddress, Integer> listedBy = new LinkedHashMap<>();
            for (Handle h : handles.values()) {
                for (InetAddress a : h.addresses()) {
                    listedBy.merge(a, 1, Integer::sum);
                    if (!h.id().equals(allocatedTo.get(a))) {
                        missing.add(new CheckReport.Missing(h.id(), a));
                    }
                }
            }
            listedBy.forEach((a, n) -> {
                if (n > 1) {
                    several.add(a);
                }
            });
            return new CheckReport(orphans, missing, several, ofMissingNodes, sparse, reservedAllocated, blocks.size(),
                    handles.size(), allocations);
        } catch (StoreException e) {
            throw translate("check", e);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ reads

    /** All blocks, read from the store now. */
    public List<Block> blocks() {
        lock.lock();
        try {
            loadBlocks();
            return blocks.values().stream().map(Versioned::value).toList();
        } catch (StoreException e) {
            throw translate("list blocks", e);
        } finally {
            lock.unlock();
        }
    }

    /** All handles, read from the store now. */
    public List<Handle> handles() {
        try {
            List<Handle> out = new ArrayList<>();
            for (KeyValue kv : call(() -> store.list(keys.handles())).kvs()) {
                Handle h = decodeOrSkip(kv, WireFormat::decodeHandle);
                if (h != null) {
                    out.add(h);
                }
            }
            return out;
        } catch (StoreException e) {
            throw translate("list handles", e);
        }
    }

    /** One handle. */
    public Optional<Handle> handle(String id) {
        validateName("handle", id);
        try {
            return call(() -> store.get(keys.handle(id))).map(WireFormat::decodeHandle);
        } catch (StoreException e) {
            throw translate("get handle " + id, e);
        }
    }

    /**
     * Watches all blocks: a {@link BlockEvent.Snapshot} first (on the calling thread), then changes in order
     * on the watch's thread, and a new snapshot whenever the watch had to re-list. For the agent's route
     * source: affine blocks route to their node, borrowed allocations as host routes to theirs.
     */
    public Watch watchBlocks(Consumer<BlockEvent> listener) {
        try {
            return store.listAndWatch(keys.blocks(), ev -> {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        List<Block> bs = new ArrayList<>();
                        for (KeyValue kv : r.snapshot()) {
                            Block b = decodeOrSkip(kv, WireFormat::decodeBlock);
                            if (b != null) {
                                bs.add(b);
                            }
                        }
                        listener.accept(new BlockEvent.Snapshot(bs, r.revision()));
                    }
                    case WatchEvent.Put p -> {
                        Block b = decodeOrSkip(p.kv(), WireFormat::decodeBlock);
                        if (b != null) {
                            listener.accept(new BlockEvent.Updated(b, p.revision()));
                        }
                    }
                    case WatchEvent.Delete d -> listener.accept(new BlockEvent.Removed(
                            Cidr.parse(keys.nameIn(keys.blocks(), d.key())), d.revision()));
                }
            });
        } catch (StoreException e) {
            throw translate("watch blocks", e);
        }
    }

    /**
     * Watches all pools: after the initial listing (on the calling thread) and after every change (on the
     * watch's thread), {@code listener} gets every pool as it now is, sorted by CIDR. For the agent's
     * overlays and NAT, whose settings live in the pools and must follow changes without a restart. A pool
     * record that does not decode is skipped (and logged), not fatal.
     */
    public Watch watchPools(Consumer<List<Pool>> listener) {
        Map<Cidr, Pool> mirror = new TreeMap<>();
        try {
            return store.listAndWatch(keys.pools(), ev -> {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        mirror.clear();
                        for (KeyValue kv : r.snapshot()) {
                            Pool p = decodeOrSkip(kv, WireFormat::decodePool);
                            if (p != null) {
                                mirror.put(p.cidr(), p);
                            }
                        }
                    }
                    case WatchEvent.Put p -> {
                        Pool pool = decodeOrSkip(p.kv(), WireFormat::decodePool);
                        if (pool != null) {
                            mirror.put(pool.cidr(), pool);
                        }
                    }
                    case WatchEvent.Delete d -> mirror.remove(Cidr.parse(keys.nameIn(keys.pools(), d.key())));
                }
                listener.accept(List.copyOf(mirror.values()));
            });
        } catch (StoreException e) {
            throw translate("watch pools", e);
        }
    }

    // ------------------------------------------------------------------ pools

    /** All pools, read from the store now. */
    public List<Pool> pools() {
        lock.lock();
        try {
            loadPools(true);
            return pools.values().stream().map(Versioned::value).toList();
        } catch (StoreException e) {
            throw translate("list pools", e);
        } finally {
            lock.unlock();
        }
    }

    public Optional<Pool> pool(Cidr cidr) {
        try {
            return call(() -> store.get(keys.pool(cidr.toString()))).map(WireFormat::decodePool);
        } catch (StoreException e) {
            throw translate("get pool " + cidr, e);
        }
    }

    /**
     * Creates a pool.
     *
     * @throws IpamException POOL_CONFLICT when it exists or overlaps an existing pool
     */
    public Pool createPool(Pool pool) {
        lock.lock();
        try {
            loadPools(true);
            for (Versioned<Pool> p : pools.values()) {
                if (p.value().cidr().overlaps(pool.cidr())) {
                    throw new IpamException(Reason.POOL_CONFLICT, "pool " + pool.cidr() + " overlaps existing pool "
                            + p.value().cidr());
                }
            }
            if (!call(() -> store.create(keys.pool(pool.cidr().toString()), WireFormat.encode(pool)))) {
                throw new IpamException(Reason.POOL_CONFLICT, "pool " + pool.cidr() + " already exists");
            }
            poolsLoadedAt = null;
            LOG.log(Level.INFO, "pool created cidr={0} blockSize={1,number,#}", pool.cidr(), pool.blockSize());
            return pool;
        } catch (StoreException e) {
            throw translate("create pool " + pool.cidr(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Updates a pool's settings (disabled, node selector, reservations, overlay settings). The block size
     * cannot change while the pool has blocks.
     */
    public Pool updatePool(Pool pool) {
        lock.lock();
        try {
            String pk = keys.pool(pool.cidr().toString());
            KeyValue kv = call(() -> store.get(pk)).orElseThrow(() ->
                    new IpamException(Reason.NOT_FOUND, "pool " + pool.cidr() + " does not exist"));
            Pool old = WireFormat.decodePool(kv);
            if (old.blockSize() != pool.blockSize()) {
                loadBlocks();
                if (blocks.keySet().stream().anyMatch(c -> pool.cidr().contains(c))) {
                    throw new IpamException(Reason.POOL_CONFLICT, "pool " + pool.cidr() + ": blockSize cannot change from "
                            + old.blockSize() + " to " + pool.blockSize() + " while the pool has blocks");
                }
            }
            if (!call(() -> store.compareAndSwap(pk, kv.modRevision(), WireFormat.encode(pool)))) {
                throw new IpamException(Reason.CONFLICT, "pool " + pool.cidr() + " changed while updating it; try again");
            }
            poolsLoadedAt = null;
            return pool;
        } catch (StoreException e) {
            throw translate("update pool " + pool.cidr(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes a pool and its (empty) blocks.
     *
     * @throws IpamException POOL_CONFLICT while any address of the pool is allocated
     */
    public void deletePool(Cidr cidr) {
        lock.lock();
        try {
            String pk = keys.pool(cidr.toString());
            KeyValue kv = call(() -> store.get(pk)).orElseThrow(() ->
                    new IpamException(Reason.NOT_FOUND, "pool " + cidr + " does not exist"));
            loadBlocks();
            Txn.Builder t = Txn.builder().ifModRevision(pk, kv.modRevision()).delete(pk);
            int used = 0;
            Set<String> holders = new TreeSet<>();
            for (Versioned<Block> vb : blocks.values()) {
                if (cidr.contains(vb.value().cidr())) {
                    used += vb.value().allocations().size();
                    vb.value().allocations().forEach(a -> holders.add(a.handle()));
                    String bk = keys.block(vb.value().cidr().toString());
                    t.ifModRevision(bk, vb.revision()).delete(bk);
                }
            }
            if (used > 0) {
                throw new IpamException(Reason.POOL_CONFLICT, "pool " + cidr + " still has " + used
                        + " allocated addresses (handles " + holders.stream().limit(5).toList()
                        + (holders.size() > 5 ? " and " + (holders.size() - 5) + " more" : "")
                        + "): disable it and release them first");
            }
            if (!call(() -> store.txn(t.build())).succeeded()) {
                throw new IpamException(Reason.CONFLICT, "pool " + cidr + " changed while deleting it; try again");
            }
            blocksLoaded = false;
            poolsLoadedAt = null;
        } catch (StoreException e) {
            throw translate("delete pool " + cidr, e);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ stats

    /** Assign requests queued or being committed (for tests of group commit). */
    int pendingAssigns() {
        return queue.size() + inFlight;
    }

    public IpamStats stats() {
        return new IpamStats(assigns.sum(), releases.sum(), roundTrips.sum(), assignRoundTrips.sum(), conflicts.sum(),
                claimed.sum(), borrowed.sum(), exhaustions.sum());
    }

    // ------------------------------------------------------------------ cache and store access (lock held)

    private void ensureLoaded() {
        loadPools(false);
        if (!blocksLoaded) {
            loadBlocks();
        }
    }

    private void loadPools(boolean force) {
        Instant now = clock.instant();
        if (!force && poolsLoadedAt != null && now.isBefore(poolsLoadedAt.plus(config.poolCacheTtl()))) {
            return;
        }
        Listing l = call(() -> store.list(keys.pools()));
        pools.clear();
        for (KeyValue kv : l.kvs()) {
            Pool p = decodeOrSkip(kv, WireFormat::decodePool);
            if (p != null) {
                pools.put(p.cidr(), new Versioned<>(p, kv.modRevision()));
            }
        }
        poolsLoadedAt = now;
    }

    private void loadBlocks() {
        Listing l = call(() -> store.list(keys.blocks()));
        blocks.clear();
        unusableBlocks.clear();
        for (KeyValue kv : l.kvs()) {
            absorbBlock(kv.key(), Optional.of(kv));
        }
        blocksLoaded = true;
    }

    private Versioned<Block> fetchBlock(Cidr bc) {
        String bk = keys.block(bc.toString());
        absorbBlock(bk, call(() -> store.get(bk)));
        return blocks.get(bc);
    }

    private void absorbBlock(String key, Optional<KeyValue> kv) {
        Cidr c = Cidr.parse(keys.nameIn(keys.blocks(), key));
        if (kv.isEmpty()) {
            blocks.remove(c);
            return;
        }
        try {
            Block b = WireFormat.decodeBlock(kv.get());
            blocks.put(c, new Versioned<>(b, kv.get().modRevision()));
        } catch (StoreException e) {
            LOG.log(Level.ERROR, "corrupt block skipped key={0} error={1}", key, e.getMessage());
            blocks.remove(c);
            unusableBlocks.add(c);
        }
    }

    /**
     * Takes in what a failed transaction's else branch read (in {@code fetched} order) and returns the
     * handle's current state (null: absent).
     */
    private Versioned<Handle> absorb(TxnResult res, List<String> fetched, String handle, Versioned<Handle> handleState) {
        Versioned<Handle> h = handleState;
        for (int i = 0; i < fetched.size() && i < res.gets().size(); i++) {
            String key = fetched.get(i);
            Optional<KeyValue> kv = res.gets().get(i);
            if (key.startsWith(keys.blocks())) {
                absorbBlock(key, kv);
            } else if (key.startsWith(keys.pools())) {
                Cidr c = Cidr.parse(keys.nameIn(keys.pools(), key));
                if (kv.isPresent()) {
                    pools.put(c, new Versioned<>(WireFormat.decodePool(kv.get()), kv.get().modRevision()));
                } else {
                    pools.remove(c);
                }
            } else if (handle != null && key.equals(keys.handle(handle))) {
                h = kv.map(x -> new Versioned<>(WireFormat.decodeHandle(x), x.modRevision())).orElse(null);
            }
        }
        return h;
    }

    private Optional<Pool> poolOf(InetAddress a) {
        for (Versioned<Pool> p : pools.values()) {
            if (p.value().cidr().contains(a)) {
                return Optional.of(p.value());
            }
        }
        return Optional.empty();
    }

    private <T> T call(Supplier<T> request) {
        roundTrips.increment();
        return request.get();
    }

    private void backoff(int attempt) {
        long base = config.backoffBase().toNanos();
        long cap = Math.min(config.backoffMax().toNanos(), base << Math.min(attempt, 20));
        try {
            Thread.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap + 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpamException(Reason.CONFLICT, "interrupted while retrying; try again", e);
        }
    }

    private static <T> T decodeOrSkip(KeyValue kv, java.util.function.Function<KeyValue, T> decode) {
        try {
            return decode.apply(kv);
        } catch (StoreException e) {
            LOG.log(Level.ERROR, "corrupt record skipped key={0} error={1}", kv.key(), e.getMessage());
            return null;
        }
    }

    private static IpamException translate(String what, StoreException e) {
        Reason r = switch (e.reason()) {
            case UNAVAILABLE -> Reason.UNAVAILABLE;
            case CORRUPT -> Reason.CORRUPT;
            default -> Reason.STORE;
        };
        return new IpamException(r, what + ": " + e.getMessage() + (r == Reason.UNAVAILABLE ? "; try again" : ""), e);
    }

    static void validateName(String field, String v) {
        if (v == null || v.isEmpty()) {
            throw new IpamException(Reason.INVALID, field + " must not be empty");
        }
        if (v.length() > MAX_NAME) {
            throw new IpamException(Reason.INVALID, field + " is " + v.length() + " characters long (at most " + MAX_NAME + ")");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '/' || c <= ' ' || c == 0x7f) {
                throw new IpamException(Reason.INVALID, field + " '" + v + "': character " + i
                        + " is not allowed (no '/', whitespace or control characters)");
            }
        }
    }

    private static void validateAttributes(Map<String, String> attributes) {
        if (attributes == null) {
            return;
        }
        int size = 0;
        for (var e : attributes.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                throw new IpamException(Reason.INVALID, "attributes: empty key or null value (" + e.getKey() + ")");
            }
            size += e.getKey().length() + e.getValue().length();
        }
        if (size > 4096) {
            throw new IpamException(Reason.INVALID, "attributes: " + size + " characters (at most 4096)");
        }
    }

    private static String fmt(java.util.Collection<InetAddress> as) {
        return as.stream().map(Cidr::format).toList().toString();
    }
}
