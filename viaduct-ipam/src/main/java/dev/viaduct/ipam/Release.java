package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.sys.log.DeferredLogger;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Giving addresses and blocks back: by handle, by address, and a node's block affinities. Each change is
 * one transaction comparing every revision it read, retried on a lost race; a block left with neither
 * allocations nor affinity is deleted in the same transaction. Runs with the facade's lock held (see
 * {@link Ipam}).
 */
final class Release {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);

    private final IpamStore store;
    private final Keys keys;
    private final BlockCache cache;
    private final IpamConfig config;
    private final IpamCounters counters;

    Release(IpamStore store, BlockCache cache, IpamConfig config, IpamCounters counters) {
        this.store = store;
        this.keys = store.keys();
        this.cache = cache;
        this.config = config;
        this.counters = counters;
    }

    /** {@link Ipam#releaseByHandle}, its input validated. */
    List<InetAddress> byHandle(String handle) {
        try {
            String hk = keys.handle(handle);
            Optional<KeyValue> kv = store.call(s -> s.get(hk));
            if (kv.isEmpty()) {
                return List.of();
            }
            Versioned<Handle> h = new Versioned<>(WireFormat.decodeHandle(kv.get()), kv.get().modRevision());
            cache.loadPools(false);
            for (int attempt = 1; ; attempt++) {
                Txn.Builder t = Txn.builder();
                List<String> fetched = new ArrayList<>();
                Map<IpPrefix, Block> changed = new LinkedHashMap<>();
                for (InetAddress a : h.value().addresses()) {
                    Optional<Pool> pool = cache.poolOf(a);
                    if (pool.isEmpty()) {
                        continue; // its pool was deleted: nothing left to free
                    }
                    IpPrefix bc = pool.get().blockOf(a);
                    if (changed.containsKey(bc)) {
                        continue;
                    }
                    String bk = keys.block(bc.toString());
                    Versioned<Block> vb = cache.blocks().containsKey(bc) ? cache.blocks().get(bc) : cache.fetchBlock(bc);
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
                TxnResult res = store.call(s -> s.txn(t.build()));
                if (res.succeeded()) {
                    changed.forEach((c, b) -> {
                        if (b.isEmpty() && b.affinity() == null) {
                            cache.blocks().remove(c);
                        } else {
                            cache.blocks().put(c, new Versioned<>(b, res.revision()));
                        }
                    });
                    counters.releases.increment();
                    return h.value().addresses();
                }
                counters.conflicts.increment();
                Versioned<Handle> now = cache.absorb(res, fetched, handle, h);
                if (now == null) {
                    return List.of(); // released by someone else meanwhile
                }
                h = now;
                if (attempt >= config.maxAttempts()) {
                    throw new IpamException(Reason.CONFLICT, "release handle " + handle + ": gave up after " + attempt
                            + " attempts; try again");
                }
                store.backoff(attempt);
            }
        } catch (StoreException e) {
            throw IpamStore.translate("release handle " + handle, e);
        }
    }

    /** {@link Ipam#releaseAddress}. */
    Optional<String> address(InetAddress ip) {
        String ipText = IpAddresses.format(ip);
        try {
            cache.loadPools(false);
            Pool pool = cache.poolOf(ip).orElseThrow(() -> new IpamException(Reason.NOT_IN_POOL, ipText + " is not in any pool"));
            IpPrefix bc = pool.blockOf(ip);
            String bk = keys.block(bc.toString());
            Versioned<Block> vb = cache.fetchBlock(bc);
            for (int attempt = 1; ; attempt++) {
                Optional<Block.Allocation> alloc = vb == null ? Optional.empty() : vb.value().allocation(ip);
                if (alloc.isEmpty()) {
                    return Optional.empty();
                }
                String handle = alloc.get().handle();
                String hk = keys.handle(handle);
                Optional<KeyValue> hkv = store.call(s -> s.get(hk));
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
                TxnResult res = store.call(s -> s.txn(t.build()));
                if (res.succeeded()) {
                    if (after.isEmpty() && after.affinity() == null) {
                        cache.blocks().remove(bc);
                    } else {
                        cache.blocks().put(bc, new Versioned<>(after, res.revision()));
                    }
                    counters.releases.increment();
                    return Optional.of(handle);
                }
                counters.conflicts.increment();
                cache.absorb(res, List.of(bk), null, null);
                vb = cache.blocks().get(bc);
                if (attempt >= config.maxAttempts()) {
                    throw new IpamException(Reason.CONFLICT, "release " + ipText + ": gave up after " + attempt
                            + " attempts; try again");
                }
                store.backoff(attempt);
            }
        } catch (StoreException e) {
            throw IpamStore.translate("release " + ipText, e);
        }
    }

    /** {@link Ipam#releaseAffinity}, its input validated. */
    List<IpPrefix> affinity(String node, boolean evenIfUsed) {
        try {
            cache.loadBlocks();
            List<IpPrefix> released = new ArrayList<>();
            for (Versioned<Block> vb : List.copyOf(cache.blocks().values())) {
                Block b = vb.value();
                if (!node.equals(b.affinity()) || (!b.isEmpty() && !evenIfUsed)) {
                    continue;
                }
                String bk = keys.block(b.cidr().toString());
                boolean ok = b.isEmpty()
                        ? store.call(s -> s.compareAndDelete(bk, vb.revision()))
                        : store.call(s -> s.compareAndSwap(bk, vb.revision(), WireFormat.encode(b.withAffinity(null))));
                if (ok) {
                    released.add(b.cidr());
                    LOG.log(Level.INFO, "block affinity released block={0} node={1} allocations={2,number,#}", b.cidr(), node,
                            b.allocations().size());
                }
            }
            cache.invalidateBlocks(); // re-read next time: the deletes and rewrites changed revisions
            return released;
        } catch (StoreException e) {
            throw IpamStore.translate("release affinity of " + node, e);
        }
    }
}
