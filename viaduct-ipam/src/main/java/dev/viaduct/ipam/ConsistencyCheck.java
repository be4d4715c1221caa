package dev.viaduct.ipam;

import dev.viaduct.store.StoreException;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The consistency report over all blocks, handles and nodes: reads only, from a fresh listing. Runs with the
 * facade's lock held (see {@link Ipam}).
 */
final class ConsistencyCheck {
    private final IpamStore store;
    private final BlockCache cache;
    private final KnownNodes nodes;
    private final IpamConfig config;

    ConsistencyCheck(IpamStore store, BlockCache cache, KnownNodes nodes, IpamConfig config) {
        this.store = store;
        this.cache = cache;
        this.nodes = nodes;
        this.config = config;
    }

    /** {@link Ipam#check}. */
    CheckReport check() {
        try {
            cache.loadPools(true);
            cache.loadBlocks();
            Map<String, Handle> handles = new TreeMap<>();
            for (Versioned<Handle> h : store.listHandles()) {
                handles.put(h.value().id(), h.value());
            }
            Set<String> nodeNames = nodes.names();
            List<CheckReport.Orphan> orphans = new ArrayList<>();
            List<CheckReport.Missing> missing = new ArrayList<>();
            List<InetAddress> several = new ArrayList<>();
            List<IpPrefix> ofMissingNodes = new ArrayList<>();
            List<CheckReport.Sparse> sparse = new ArrayList<>();
            List<InetAddress> reservedAllocated = new ArrayList<>();
            Map<InetAddress, String> allocatedTo = new LinkedHashMap<>();
            int allocations = 0;
            Map<String, Integer> blocksPerNodeFamily = new TreeMap<>();
            for (Versioned<Block> vb : cache.blocks().values()) {
                Block b = vb.value();
                if (b.affinity() != null) {
                    blocksPerNodeFamily.merge(b.affinity() + (b.cidr().isIpv4() ? "/4" : "/6"), 1, Integer::sum);
                }
            }
            for (Versioned<Block> vb : cache.blocks().values()) {
                Block b = vb.value();
                Optional<Pool> pool = cache.poolOf(b.cidr().address());
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
            return new CheckReport(orphans, missing, several, ofMissingNodes, sparse, reservedAllocated,
                    cache.blocks().size(), handles.size(), allocations);
        } catch (StoreException e) {
            throw IpamStore.translate("check", e);
        }
    }
}
