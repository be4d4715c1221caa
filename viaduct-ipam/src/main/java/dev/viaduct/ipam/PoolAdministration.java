package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.sys.log.DeferredLogger;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Creating, changing and deleting pools: a pool never overlaps another, its block size is fixed while it
 * has blocks, and it is deleted only with no address allocated (its empty blocks go in the same
 * transaction). Runs with the facade's lock held (see {@link Ipam}), except {@link #pool}, a plain read.
 */
final class PoolAdministration {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);

    private final IpamStore store;
    private final Keys keys;
    private final BlockCache cache;

    PoolAdministration(IpamStore store, BlockCache cache) {
        this.store = store;
        this.keys = store.keys();
        this.cache = cache;
    }

    /** {@link Ipam#pools}. */
    List<Pool> pools() {
        try {
            cache.loadPools(true);
            return cache.pools().values().stream().map(Versioned::value).toList();
        } catch (StoreException e) {
            throw IpamStore.translate("list pools", e);
        }
    }

    /** {@link Ipam#pool}: needs no lock. */
    Optional<Pool> pool(IpPrefix cidr) {
        try {
            return store.call(s -> s.get(keys.pool(cidr.toString()))).map(WireFormat::decodePool);
        } catch (StoreException e) {
            throw IpamStore.translate("get pool " + cidr, e);
        }
    }

    /** {@link Ipam#createPool}. */
    Pool create(Pool pool) {
        try {
            cache.loadPools(true);
            for (Versioned<Pool> p : cache.pools().values()) {
                if (p.value().cidr().overlaps(pool.cidr())) {
                    throw new IpamException(Reason.POOL_CONFLICT, "pool " + pool.cidr() + " overlaps existing pool "
                            + p.value().cidr());
                }
            }
            if (!store.call(s -> s.create(keys.pool(pool.cidr().toString()), WireFormat.encode(pool)))) {
                throw new IpamException(Reason.POOL_CONFLICT, "pool " + pool.cidr() + " already exists");
            }
            cache.invalidatePools();
            LOG.log(Level.INFO, "pool created cidr={0} blockSize={1,number,#}", pool.cidr(), pool.blockSize());
            return pool;
        } catch (StoreException e) {
            throw IpamStore.translate("create pool " + pool.cidr(), e);
        }
    }

    /** {@link Ipam#updatePool}. */
    Pool update(Pool pool) {
        try {
            String pk = keys.pool(pool.cidr().toString());
            KeyValue kv = store.call(s -> s.get(pk)).orElseThrow(() ->
                    new IpamException(Reason.NOT_FOUND, "pool " + pool.cidr() + " does not exist"));
            Pool old = WireFormat.decodePool(kv);
            if (old.blockSize() != pool.blockSize()) {
                cache.loadBlocks();
                if (cache.blocks().keySet().stream().anyMatch(c -> pool.cidr().contains(c))) {
                    throw new IpamException(Reason.POOL_CONFLICT, "pool " + pool.cidr() + ": blockSize cannot change from "
                            + old.blockSize() + " to " + pool.blockSize() + " while the pool has blocks");
                }
            }
            if (!store.call(s -> s.compareAndSwap(pk, kv.modRevision(), WireFormat.encode(pool)))) {
                throw new IpamException(Reason.CONFLICT, "pool " + pool.cidr() + " changed while updating it; try again");
            }
            cache.invalidatePools();
            return pool;
        } catch (StoreException e) {
            throw IpamStore.translate("update pool " + pool.cidr(), e);
        }
    }

    /** {@link Ipam#deletePool}. */
    void delete(IpPrefix cidr) {
        try {
            String pk = keys.pool(cidr.toString());
            KeyValue kv = store.call(s -> s.get(pk)).orElseThrow(() ->
                    new IpamException(Reason.NOT_FOUND, "pool " + cidr + " does not exist"));
            cache.loadBlocks();
            Txn.Builder t = Txn.builder().ifModRevision(pk, kv.modRevision()).delete(pk);
            int used = 0;
            Set<String> holders = new TreeSet<>();
            for (Versioned<Block> vb : cache.blocks().values()) {
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
            if (!store.call(s -> s.txn(t.build())).succeeded()) {
                throw new IpamException(Reason.CONFLICT, "pool " + cidr + " changed while deleting it; try again");
            }
            cache.invalidateBlocks();
            cache.invalidatePools();
        } catch (StoreException e) {
            throw IpamStore.translate("delete pool " + cidr, e);
        }
    }
}
