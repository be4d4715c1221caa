package dev.viaduct.ipam;

import dev.viaduct.ipam.WireFormat.Sighting;
import dev.viaduct.store.KeyValue;
import dev.viaduct.store.Keys;
import dev.viaduct.store.StoreException;
import dev.viaduct.store.Txn;
import dev.viaduct.store.TxnResult;
import dev.viaduct.sys.log.DeferredLogger;
import dev.viaduct.sys.net.IpAddresses;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Garbage collection of leaked addresses, mark then sweep: a handle not in the live set is first marked (a
 * stored sighting with the handle's revision), and released by a later run once the grace period has
 * passed, if its record is unchanged. Runs with the facade's lock held (see {@link Ipam}).
 */
final class Reclamation {
    private static final System.Logger LOG = DeferredLogger.of(Ipam.class);

    private final IpamStore store;
    private final Keys keys;
    private final BlockCache cache;
    private final InstantSource clock;
    private final IpamCounters counters;

    Reclamation(IpamStore store, BlockCache cache, InstantSource clock, IpamCounters counters) {
        this.store = store;
        this.keys = store.keys();
        this.cache = cache;
        this.clock = clock;
        this.counters = counters;
    }

    /** {@link Ipam#gc}, its input validated. */
    GcReport gc(Set<String> liveHandles, Optional<String> node, Duration grace, boolean dryRun) {
        try {
            Instant now = clock.instant();
            Map<String, Versioned<Handle>> handles = new TreeMap<>();
            for (Versioned<Handle> h : store.listHandles()) {
                handles.put(h.value().id(), h);
            }
            cache.loadBlocks();
            Map<String, List<Versioned<Block>>> blocksByHandle = new TreeMap<>();
            for (Versioned<Block> vb : cache.blocks().values()) {
                for (Block.Allocation a : vb.value().allocations()) {
                    List<Versioned<Block>> l = blocksByHandle.computeIfAbsent(a.handle(), k -> new ArrayList<>());
                    if (!l.contains(vb)) {
                        l.add(vb);
                    }
                }
            }
            Map<String, Versioned<Sighting>> sightings = new TreeMap<>();
            for (KeyValue kv : store.call(s -> s.list(keys.gcSightings())).kvs()) {
                Sighting s = IpamStore.decodeOrSkip(kv, WireFormat::decodeSighting);
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
                        store.call(st -> st.compareAndDelete(keys.gcSighting(id), s.revision()));
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
                        store.call(st -> st.compareAndSwap(keys.gcSighting(id), s == null ? 0 : s.revision(), v));
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
                            id, owner, addrs.stream().map(IpAddresses::format).toList(), since);
                } else {
                    skipped.add(id);
                }
            }
            if (!dryRun) {
                // sightings of handles that are gone entirely
                for (Versioned<Sighting> s : sightings.values()) {
                    if (node.isEmpty() || node.get().equals(s.value().node())) {
                        store.call(st -> st.compareAndDelete(keys.gcSighting(s.value().handle()), s.revision()));
                    }
                }
            }
            return new GcReport(dryRun, released, pending, marked, kept, skipped);
        } catch (StoreException e) {
            throw IpamStore.translate("gc", e);
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
        TxnResult res = store.call(s -> s.txn(t.build()));
        cache.invalidateBlocks();
        if (res.succeeded()) {
            counters.releases.increment();
        }
        return res.succeeded();
    }
}
