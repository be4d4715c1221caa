package dev.viaduct.ipam;

import dev.viaduct.store.Datastore;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Watch;
import dev.viaduct.store.WatchEvent;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The store's watches of blocks and pools, decoded for the agent's route source, overlays and NAT. They
 * share nothing with the cache and take no lock: events arrive on the watch's thread (see {@link Ipam}).
 * A record that does not decode is skipped (and logged), not fatal.
 */
final class Watches {
    private final Datastore store;
    private final Keys keys;

    Watches(Datastore store, Keys keys) {
        this.store = store;
        this.keys = keys;
    }

    /** {@link Ipam#watchBlocks}. */
    Watch blocks(Consumer<BlockEvent> listener) {
        try {
            return store.listAndWatch(keys.blocks(), ev -> {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        List<Block> bs = new ArrayList<>();
                        for (KeyValue kv : r.snapshot()) {
                            Block b = IpamStore.decodeOrSkip(kv, WireFormat::decodeBlock);
                            if (b != null) {
                                bs.add(b);
                            }
                        }
                        listener.accept(new BlockEvent.Snapshot(bs, r.revision()));
                    }
                    case WatchEvent.Put p -> {
                        Block b = IpamStore.decodeOrSkip(p.kv(), WireFormat::decodeBlock);
                        if (b != null) {
                            listener.accept(new BlockEvent.Updated(b, p.revision()));
                        }
                    }
                    case WatchEvent.Delete d -> listener.accept(new BlockEvent.Removed(
                            IpPrefix.parseNetwork(keys.nameIn(keys.blocks(), d.key())), d.revision()));
                }
            });
        } catch (StoreException e) {
            throw IpamStore.translate("watch blocks", e);
        }
    }

    /** {@link Ipam#watchPools}. */
    Watch pools(Consumer<List<Pool>> listener) {
        Map<IpPrefix, Pool> mirror = new TreeMap<>();
        try {
            return store.listAndWatch(keys.pools(), ev -> {
                switch (ev) {
                    case WatchEvent.Resync r -> {
                        mirror.clear();
                        for (KeyValue kv : r.snapshot()) {
                            Pool p = IpamStore.decodeOrSkip(kv, WireFormat::decodePool);
                            if (p != null) {
                                mirror.put(p.cidr(), p);
                            }
                        }
                    }
                    case WatchEvent.Put p -> {
                        Pool pool = IpamStore.decodeOrSkip(p.kv(), WireFormat::decodePool);
                        if (pool != null) {
                            mirror.put(pool.cidr(), pool);
                        }
                    }
                    case WatchEvent.Delete d -> mirror.remove(IpPrefix.parseNetwork(keys.nameIn(keys.pools(), d.key())));
                }
                listener.accept(List.copyOf(mirror.values()));
            });
        } catch (StoreException e) {
            throw IpamStore.translate("watch pools", e);
        }
    }
}
