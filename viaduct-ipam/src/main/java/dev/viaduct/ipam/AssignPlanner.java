package dev.viaduct.ipam;

import dev.viaduct.ipam.Ipam.AssignRequest;
import dev.viaduct.sys.net.IpPrefix;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses addresses for assign requests without writing anything: an affine block with room, else a new
 * block claimed from a pool whose selector takes the node, else (without strict affinity) a free address
 * borrowed from another node's block — Calico's order. Plans run against a <em>view</em>: the cached
 * blocks plus the picks of earlier requests of the same group commit, so a batch never picks one address
 * twice. Called by {@link GroupCommit} with the facade's lock held (see {@link Ipam}).
 */
final class AssignPlanner {
    private final BlockCache cache;
    private final KnownNodes nodes;
    private final IpamConfig config;
    private final InstantSource clock;

    AssignPlanner(BlockCache cache, KnownNodes nodes, IpamConfig config, InstantSource clock) {
        this.cache = cache;
        this.nodes = nodes;
        this.config = config;
        this.clock = clock;
    }

    /**
     * The chosen address of one family: the block after the allocation, and how it was found. The block's
     * compare revision lives in the planning view.
     */
    record Pick(Block block, Versioned<Pool> pool, InetAddress address, boolean claimed, boolean borrowed) {
    }

    /** The picks of one request, its handle record as it will be written, and what the caller gets back. */
    record AssignPlan(List<Pick> picks, Handle handle, Assignment result) {
    }

    /** No free address: the message says which family and what was searched. */
    static final class Exhausted extends Exception {
        Exhausted(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Plans one request against {@code view} (the cache plus earlier picks of the batch, each entry carrying
     * the revision to compare); records picks in the view and the pools used in {@code poolsUsed}.
     */
    AssignPlan plan(AssignRequest r, Versioned<Handle> existing, Map<IpPrefix, Versioned<Block>> view,
            Map<IpPrefix, Versioned<Pool>> poolsUsed) throws Exhausted {
        if (existing != null) {
            existing.value().requireNode(r.node());
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
                Optional<Pool> pool = cache.poolOf(a);
                IpPrefix bc = pool.map(x -> x.blockOf(a)).orElse(IpPrefix.host(a));
                Versioned<Block> vb = view.get(bc);
                boolean b = vb != null && !r.node().equals(vb.value().affinity());
                result.add(new Assignment.Assigned(a, bc, pool.map(Pool::cidr).orElse(bc), b));
            }
        }
        return new AssignPlan(picks, h, new Assignment(r.handle(), result));
    }

    /** Finds a free address of one family: an affine block, else a new block, else a borrowed address. */
    private Pick pick(boolean v4, AssignRequest r, Map<IpPrefix, Versioned<Block>> view) throws Exhausted {
        String family = v4 ? "IPv4" : "IPv6";
        List<Versioned<Pool>> eligible = new ArrayList<>();
        for (Versioned<Pool> p : cache.pools().values()) {
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
            Optional<IpPrefix> c = unclaimedBlock(p.value(), r.node(), view);
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
    private Optional<IpPrefix> unclaimedBlock(Pool pool, String node, Map<IpPrefix, Versioned<Block>> view) {
        BigInteger count = BigInteger.ONE.shiftLeft(pool.blockSize() - pool.cidr().length());
        long inPool = view.keySet().stream().filter(c -> pool.cidr().contains(c)).count();
        BigInteger limit = count.min(BigInteger.valueOf(inPool + cache.unusable().size() + 4097));
        BigInteger start = BigInteger.valueOf(node.hashCode() & 0x7fffffffL).mod(count);
        for (BigInteger i = BigInteger.ZERO; i.compareTo(limit) < 0; i = i.add(BigInteger.ONE)) {
            IpPrefix c = pool.cidr().subnet(pool.blockSize(), start.add(i).mod(count));
            if (view.containsKey(c) || cache.unusable().contains(c)) {
                continue;
            }
            if (pool.reserved().stream().anyMatch(res -> res.contains(c))) {
                continue;
            }
            return Optional.of(c);
        }
        return Optional.empty();
    }

    private static Versioned<Pool> poolOfBlock(List<Versioned<Pool>> candidates, IpPrefix block) {
        for (Versioned<Pool> p : candidates) {
            if (p.value().cidr().contains(block) && p.value().blockSize() == block.length()) {
                return p;
            }
        }
        return null;
    }
}
