package dev.viaduct.ipam;

import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.Listing;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.TxnResult;
import dev.viaduct.sys.log.DeferredLogger;
import dev.viaduct.sys.net.IpPrefix;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The blocks and pools this instance has read from the store, each with the mod_revision it was read (or
 * written) at, so that a write can compare it. Guarded by the facade's lock (see {@link Ipam}); every method
 * expects it held, and the maps it hands out are the live ones.
 *
 * <p>A stale entry costs one failed compare: the failed transaction's else branch reads the current values,
 * and {@link #absorb} takes them in. Pools are re-read once {@link IpamConfig#poolCacheTtl()} has passed;
 * blocks when a part {@linkplain #invalidateBlocks invalidates} them (after writes whose new revisions the
 * cache does not follow) or lists them afresh. A block record that does not decode is left out and kept as
 * <em>unusable</em>, so no node claims its range over it.
 */
final class BlockCache {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);

    private final IpamStore store;
    private final Keys keys;
    private final IpamConfig config;
    private final InstantSource clock;

    private final Map<IpPrefix, Versioned<Block>> blocks = new TreeMap<>();
    private final Set<IpPrefix> unusable = new TreeSet<>();
    private boolean blocksLoaded;
    private final Map<IpPrefix, Versioned<Pool>> pools = new TreeMap<>();
    private Instant poolsLoadedAt;

    BlockCache(IpamStore store, IpamConfig config, InstantSource clock) {
        this.store = store;
        this.keys = store.keys();
        this.config = config;
        this.clock = clock;
    }

    /** Blocks by CIDR (the live map). */
    Map<IpPrefix, Versioned<Block>> blocks() {
        return blocks;
    }

    /** Blocks whose record is corrupt: never claimed over. */
    Set<IpPrefix> unusable() {
        return unusable;
    }

    /** Pools by CIDR (the live map). */
    Map<IpPrefix, Versioned<Pool>> pools() {
        return pools;
    }

    /** Loads the pools if their time-to-live has passed and the blocks if they are not loaded. */
    void ensureLoaded() {
        loadPools(false);
        if (!blocksLoaded) {
            loadBlocks();
        }
    }

    /** Re-reads the pools when {@code force}d or when the cached ones are older than their time-to-live. */
    void loadPools(boolean force) {
        Instant now = clock.instant();
        if (!force && poolsLoadedAt != null && now.isBefore(poolsLoadedAt.plus(config.poolCacheTtl()))) {
            return;
        }
        Listing l = store.call(s -> s.list(keys.pools()));
        pools.clear();
        for (KeyValue kv : l.kvs()) {
            Pool p = IpamStore.decodeOrSkip(kv, WireFormat::decodePool);
            if (p != null) {
                pools.put(p.cidr(), new Versioned<>(p, kv.modRevision()));
            }
        }
        poolsLoadedAt = now;
    }

    /** Re-reads every block. */
    void loadBlocks() {
        Listing l = store.call(s -> s.list(keys.blocks()));
        blocks.clear();
        unusable.clear();
        for (KeyValue kv : l.kvs()) {
            absorbBlock(kv.key(), Optional.of(kv));
        }
        blocksLoaded = true;
    }

    /** The next {@link #ensureLoaded} re-reads the blocks. */
    void invalidateBlocks() {
        blocksLoaded = false;
    }

    /** The next pool load re-reads the pools. */
    void invalidatePools() {
        poolsLoadedAt = null;
    }

    /** Reads one block from the store into the cache; null when it does not exist (or is corrupt). */
    Versioned<Block> fetchBlock(IpPrefix bc) {
        String bk = keys.block(bc.toString());
        absorbBlock(bk, store.call(s -> s.get(bk)));
        return blocks.get(bc);
    }

    /**
     * Takes in what a failed transaction's else branch read (in {@code fetched} order) and returns the
     * handle's current state (null: absent).
     */
    Versioned<Handle> absorb(TxnResult res, List<String> fetched, String handle, Versioned<Handle> handleState) {
        Versioned<Handle> h = handleState;
        for (int i = 0; i < fetched.size() && i < res.gets().size(); i++) {
            String key = fetched.get(i);
            Optional<KeyValue> kv = res.gets().get(i);
            if (key.startsWith(keys.blocks())) {
                absorbBlock(key, kv);
            } else if (key.startsWith(keys.pools())) {
                IpPrefix c = IpPrefix.parseNetwork(keys.nameIn(keys.pools(), key));
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

    /** The cached pool containing {@code a}. */
    Optional<Pool> poolOf(InetAddress a) {
        for (Versioned<Pool> p : pools.values()) {
            if (p.value().cidr().contains(a)) {
                return Optional.of(p.value());
            }
        }
        return Optional.empty();
    }

    private void absorbBlock(String key, Optional<KeyValue> kv) {
        IpPrefix c = IpPrefix.parseNetwork(keys.nameIn(keys.blocks(), key));
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
            unusable.add(c);
        }
    }
}
