package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.store.Datastore;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Watch;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * <p><b>Parts.</b> This class validates input and hands each call to the part that does it:
 * {@link BlockCache} (blocks and pools as read, with revisions), {@link GroupCommit} and
 * {@link AssignPlanner} (automatic assignment), {@link StaticAssignment}, {@link Release} and
 * {@link GroupRelease},
 * {@link Reclamation} (GC), {@link NodeReclamation} (gone nodes, decided by {@link ReclaimDecision}; run
 * periodically by a {@link Reclaimer}), {@link ConsistencyCheck}, {@link PoolAdministration} and
 * {@link Watches}, over {@link IpamStore} (round-trip counting, backoff, error translation).
 *
 * <p><b>Concurrency.</b> Callers are the agent (CNI requests, each on its own virtual thread; the overlay's
 * tunnel addresses; the route sources' block watch), {@code viaduct ctl} and the lab tools. Calls block on
 * the store; call from virtual threads. One {@link ReentrantLock} per instance guards the {@link BlockCache} and serialises this
 * instance's writes (one instance serves one node: its pods would only conflict with each other on the same
 * block). This facade takes the lock around every call into a part that reads or writes the cache; the parts
 * assume it is held and never take it, except {@link GroupCommit} and {@link GroupRelease} (which combines
 * releases by handle the same way): an assign queues its request and tries
 * the lock; whoever holds it drains up to 32 queued requests (never two for one handle), plans them all
 * against one view of the cache, commits them in one transaction and completes each waiter, who waits on
 * its own request without the lock — so 16 pods starting at once cost about one round trip, not sixteen.
 * Plain reads ({@link #pool}, {@link #handles}, {@link #handle}) take no lock, and the {@link Watches}
 * deliver on the watch's thread without it. {@link NodeReclamation} reads the store afresh and writes with
 * compares only, without the lock (a pass must not stall this node's CNI requests); it takes the lock only to
 * invalidate the block cache after it changed blocks. The counters are {@code LongAdder}s. Instances on different
 * nodes coordinate through the store alone.
 */
public final class Ipam {
    private static final int MAX_NAME = 512;

    private final ReentrantLock lock = new ReentrantLock();
    private final IpamCounters counters = new IpamCounters();
    private final GroupCommit groupCommit;
    private final StaticAssignment staticAssignment;
    private final Release release;
    private final GroupRelease groupRelease;
    private final Reclamation reclamation;
    private final NodeReclamation nodeReclamation;
    private final ConsistencyCheck consistencyCheck;
    private final PoolAdministration poolAdministration;
    private final Watches watches;
    private final BlockCache cache;
    private final IpamStore store;

    public Ipam(Datastore store, Keys keys, IpamConfig config, KnownNodes nodes, InstantSource clock) {
        this.store = new IpamStore(store, keys, config, counters);
        this.cache = new BlockCache(this.store, config, clock);
        this.groupCommit = new GroupCommit(lock, this.store, cache, new AssignPlanner(cache, nodes, config, clock), config,
                counters);
        this.staticAssignment = new StaticAssignment(this.store, cache, config, clock, counters);
        this.release = new Release(this.store, cache, config, counters);
        this.groupRelease = new GroupRelease(lock, this.store, cache, release, counters);
        this.reclamation = new Reclamation(this.store, cache, clock, counters);
        this.nodeReclamation = new NodeReclamation(this.store, clock, counters);
        this.consistencyCheck = new ConsistencyCheck(this.store, cache, nodes, config);
        this.poolAdministration = new PoolAdministration(this.store, cache);
        this.watches = new Watches(store, keys);
    }

    /** Default config, nodes from the store's node records, the system clock. */
    public Ipam(Datastore store, Keys keys) {
        this(store, keys, IpamConfig.defaults(), new NodesInStore(store, keys), InstantSource.system());
    }

    /** An assign request: families wanted, attributes to store, optionally which pools to use. */
    public record AssignRequest(String handle, String node, boolean ipv4, boolean ipv6, Map<String, String> attributes,
            List<IpPrefix> pools) {
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
        for (IpPrefix p : r.pools()) {
            if (!p.isNetwork()) {
                throw new IpamException(Reason.INVALID, "assign " + r.handle() + ": pools: " + p
                        + ": host bits are set (did you mean " + p.network() + "?)");
            }
        }
        return groupCommit.assign(r);
    }

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
        return locked(() -> staticAssignment.assign(handle, node, ip, attributes));
    }

    // ------------------------------------------------------------------ release

    /**
     * Releases every address of {@code handle} and deletes the handle. Idempotent: an unknown handle
     * releases nothing. Returns the released addresses. Concurrent calls on one instance are committed
     * together ({@link GroupRelease}), so 100 pods deleted at once cost a few round trips, not a hundred.
     */
    public List<InetAddress> releaseByHandle(String handle) {
        validateName("handle", handle);
        return groupRelease.release(handle);
    }

    /**
     * Releases one address, whoever holds it; the handle keeps its other addresses (or is deleted when this
     * was its last). Returns the handle it belonged to, or empty when it was not allocated.
     *
     * @throws IpamException NOT_IN_POOL when the address is in no pool
     */
    public Optional<String> releaseAddress(InetAddress ip) {
        return locked(() -> release.address(ip));
    }

    /**
     * Releases {@code node}'s affinity to its empty blocks (deletes them), so other nodes can claim them.
     * With {@code evenIfUsed} (the node is gone for good) blocks still holding addresses lose their
     * affinity too and stay, routed per address, until their last address is released. Returns the blocks
     * whose affinity was released.
     */
    public List<IpPrefix> releaseAffinity(String node, boolean evenIfUsed) {
        validateName("node", node);
        return locked(() -> release.affinity(node, evenIfUsed));
    }

    // ------------------------------------------------------------------ garbage collection and check

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
        return locked(() -> reclamation.gc(liveHandles, node, grace, dryRun));
    }

    /** Consistency report over all blocks, handles and nodes (reads only). */
    public CheckReport check() {
        return locked(consistencyCheck::check);
    }

    // ------------------------------------------------------------------ reads and watches

    /** All blocks, read from the store now. */
    public List<Block> blocks() {
        return locked(() -> {
            try {
                cache.loadBlocks();
                return cache.blocks().values().stream().map(Versioned::value).toList();
            } catch (StoreException e) {
                throw IpamStore.translate("list blocks", e);
            }
        });
    }

    /** All handles, read from the store now. */
    public List<Handle> handles() {
        try {
            return store.listHandles().stream().map(Versioned::value).toList();
        } catch (StoreException e) {
            throw IpamStore.translate("list handles", e);
        }
    }

    // ------------------------------------------------------------------ reclamation of gone nodes

    /**
     * One reclamation pass: releases the handles and gives back the blocks of every node that is gone — its
     * node record absent for {@code grace} (counted from when a pass first found it missing), or deleted as
     * a Kubernetes Node with its record absent. A dry run changes nothing (and marks no absence). Each write
     * compares what it read, so a node that comes back or an address handed out again meanwhile is never
     * touched; see {@link NodeReclamation}. Normally run by the {@link Reclaimer} that holds the lock.
     */
    public ReclaimReport reclaim(Duration grace, boolean dryRun) {
        return reclaim(grace, dryRun, Optional.empty());
    }

    ReclaimReport reclaim(Duration grace, boolean dryRun, Optional<NodeReclamation.Fence> fence) {
        if (grace == null || grace.isNegative()) {
            throw new IpamException(Reason.INVALID, "grace must not be negative, got " + grace);
        }
        ReclaimReport r = nodeReclamation.pass(grace, dryRun, fence);
        invalidateAfter(r);
        return r;
    }

    /**
     * Releases every handle and block of {@code node} now (an operator decommissioning it). Refused (INVALID)
     * while the node has a node record, unless {@code force}; the release compares that record as read.
     */
    public ReclaimReport releaseNode(String node, boolean force, boolean dryRun) {
        validateName("node", node);
        ReclaimReport r = nodeReclamation.node(node, force, dryRun);
        invalidateAfter(r);
        return r;
    }

    /** The reclaimer took the lock: absence marks it did not watch over start their grace period again. */
    void forgetNodeAbsences() {
        nodeReclamation.forgetAbsences();
    }

    /** {@code node}'s record was written: its absence mark goes. */
    void nodeSeen(String node) {
        nodeReclamation.nodeSeen(node);
    }

    private void invalidateAfter(ReclaimReport r) {
        if (!r.dryRun() && (!r.handles().isEmpty() || !r.blocks().isEmpty())) {
            locked(() -> {
                cache.invalidateBlocks();
                return null;
            });
        }
    }

    /** One handle. */
    public Optional<Handle> handle(String id) {
        validateName("handle", id);
        try {
            return store.call(s -> s.get(store.keys().handle(id))).map(WireFormat::decodeHandle);
        } catch (StoreException e) {
            throw IpamStore.translate("get handle " + id, e);
        }
    }

    /**
     * Watches all blocks: a {@link BlockEvent.Snapshot} first (on the calling thread), then changes in order
     * on the watch's thread, and a new snapshot whenever the watch had to re-list. For the agent's route
     * source: affine blocks route to their node, borrowed allocations as host routes to theirs.
     */
    public Watch watchBlocks(Consumer<BlockEvent> listener) {
        return watches.blocks(listener);
    }

    /**
     * Watches all pools: after the initial listing (on the calling thread) and after every change (on the
     * watch's thread), {@code listener} gets every pool as it now is, sorted by CIDR. For the agent's
     * overlays and NAT, whose settings live in the pools and must follow changes without a restart. A pool
     * record that does not decode is skipped (and logged), not fatal.
     */
    public Watch watchPools(Consumer<List<Pool>> listener) {
        return watches.pools(listener);
    }

    // ------------------------------------------------------------------ pools

    /** All pools, read from the store now. */
    public List<Pool> pools() {
        return locked(poolAdministration::pools);
    }

    public Optional<Pool> pool(IpPrefix cidr) {
        return poolAdministration.pool(cidr);
    }

    /**
     * Creates a pool.
     *
     * @throws IpamException POOL_CONFLICT when it exists or overlaps an existing pool
     */
    public Pool createPool(Pool pool) {
        return locked(() -> poolAdministration.create(pool));
    }

    /**
     * Updates a pool's settings (disabled, node selector, reservations, overlay settings). The block size
     * cannot change while the pool has blocks.
     */
    public Pool updatePool(Pool pool) {
        return locked(() -> poolAdministration.update(pool));
    }

    /**
     * Deletes a pool and its (empty) blocks.
     *
     * @throws IpamException POOL_CONFLICT while any address of the pool is allocated
     */
    public void deletePool(IpPrefix cidr) {
        locked(() -> {
            poolAdministration.delete(cidr);
            return null;
        });
    }

    // ------------------------------------------------------------------ stats

    /** Assign requests queued or being committed (for tests of group commit). */
    int pendingAssigns() {
        return groupCommit.pending();
    }

    /** Releases by handle queued for the next batch (for tests of group commit). */
    int queuedReleases() {
        return groupRelease.queued();
    }

    public IpamStats stats() {
        return counters.stats();
    }

    // ------------------------------------------------------------------ input and locking

    private <T> T locked(Supplier<T> call) {
        lock.lock();
        try {
            return call.get();
        } finally {
            lock.unlock();
        }
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
}
