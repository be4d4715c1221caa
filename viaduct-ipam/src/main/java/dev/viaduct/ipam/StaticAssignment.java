package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Assignment of one specific address (a static IP): one transaction over its block (claimed by the node if
 * it does not exist yet), the pool and the handle, retried on a lost race. Runs with the facade's lock held
 * (see {@link Ipam}).
 */
final class StaticAssignment {
    private final IpamStore store;
    private final Keys keys;
    private final BlockCache cache;
    private final IpamConfig config;
    private final InstantSource clock;
    private final IpamCounters counters;

    StaticAssignment(IpamStore store, BlockCache cache, IpamConfig config, InstantSource clock, IpamCounters counters) {
        this.store = store;
        this.keys = store.keys();
        this.cache = cache;
        this.config = config;
        this.clock = clock;
        this.counters = counters;
    }

    /** {@link Ipam#assignStatic}, its input validated. */
    Assignment assign(String handle, String node, InetAddress ip, Map<String, String> attributes) {
        String ipText = IpAddresses.format(ip);
        long tripsBefore = counters.roundTrips.sum();
        try {
            Versioned<Handle> existing = null;
            boolean blockFetched = false;
            for (int attempt = 1; ; attempt++) {
                cache.loadPools(false);
                Optional<Pool> maybePool = cache.poolOf(ip);
                if (maybePool.isEmpty()) {
                    cache.loadPools(true);
                    maybePool = cache.poolOf(ip);
                }
                Pool pool = maybePool.orElseThrow(() -> new IpamException(Reason.NOT_IN_POOL, ipText + " is not in any pool"
                        + " (pools: " + cache.pools().keySet() + ")"));
                if (pool.isReserved(ip)) {
                    throw new IpamException(Reason.RESERVED, ipText + " is reserved in pool " + pool.cidr()
                            + " and is never handed out");
                }
                IpPrefix bc = pool.blockOf(ip);
                String bk = keys.block(bc.toString());
                Versioned<Block> vb = cache.blocks().get(bc);
                if (vb == null && !blockFetched) {
                    vb = cache.fetchBlock(bc);
                    blockFetched = true;
                }
                if (vb != null) {
                    Optional<Block.Allocation> taken = vb.value().allocation(ip);
                    if (taken.isPresent() && !blockFetched) {
                        vb = cache.fetchBlock(bc); // never refuse on the strength of a stale cache
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
                    h.requireNode(node);
                    Optional<InetAddress> same = ip instanceof java.net.Inet4Address ? h.ipv4() : h.ipv6();
                    if (same.isPresent() && !same.get().equals(ip)) {
                        throw new IpamException(Reason.INVALID, "handle " + handle + " already holds "
                                + IpAddresses.format(same.get()) + "; release it before assigning " + ipText);
                    }
                }
                Block before = vb == null ? Block.empty(bc, node) : vb.value();
                Block after = before.with(new Block.Allocation(ip, handle, node));
                after = new Block(after.cidr(), after.affinity(), after.allocations(), before.next());
                List<InetAddress> addrs = new ArrayList<>(existing == null ? List.of() : existing.value().addresses());
                addrs.add(ip);
                Handle h = new Handle(handle, node, addrs, (attributes == null || attributes.isEmpty()) && existing != null
                        ? existing.value().attributes() : attributes, clock.instant());
                Versioned<Pool> vp = cache.pools().get(pool.cidr());
                String pk = keys.pool(pool.cidr().toString());
                String hk = keys.handle(handle);
                Txn txn = Txn.builder()
                        .ifModRevision(bk, vb == null ? 0 : vb.revision()).put(bk, WireFormat.encode(after)).elseGet(bk)
                        .ifModRevision(pk, vp.revision()).elseGet(pk)
                        .ifModRevision(hk, existing == null ? 0 : existing.revision()).put(hk, WireFormat.encode(h)).elseGet(hk)
                        .build();
                TxnResult res = store.call(s -> s.txn(txn));
                if (res.succeeded()) {
                    cache.blocks().put(bc, new Versioned<>(after, res.revision()));
                    if (vb == null) {
                        counters.claimed.increment();
                    }
                    counters.assigns.increment();
                    return new Assignment(handle, List.of(new Assignment.Assigned(ip, bc, pool.cidr(), !node.equals(after.affinity()))));
                }
                counters.conflicts.increment();
                existing = cache.absorb(res, List.of(bk, pk, hk), handle, existing);
                blockFetched = true; // the else branch just read it
                if (attempt >= config.maxAttempts()) {
                    throw new IpamException(Reason.CONFLICT, "assign " + ipText + " to " + handle + ": gave up after "
                            + attempt + " attempts (block " + bc + " kept changing); try again");
                }
                store.backoff(attempt);
            }
        } catch (StoreException e) {
            throw IpamStore.translate("assign " + ipText + " to " + handle, e);
        } finally {
            counters.assignRoundTrips.add(counters.roundTrips.sum() - tripsBefore);
        }
    }
}
