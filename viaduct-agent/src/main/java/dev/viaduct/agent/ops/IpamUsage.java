package dev.viaduct.agent.ops;

import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.BlockEvent;
import dev.viaduct.ipam.Ipam;
import dev.viaduct.store.Watch;
import dev.viaduct.sys.net.IpPrefix;
import java.util.HashMap;
import java.util.Map;

/**
 * This node's share of IPAM, kept current from the block watch so a metrics scrape never reads etcd: the
 * blocks affine to this node, their total size, and the addresses this node has allocated (in its own blocks
 * or borrowed from others'). Cluster totals are the sum over nodes (every agent exports only its own share,
 * so nothing is counted twice).
 *
 * <p>Concurrency: block events arrive on the store watch's thread; the map and the totals are guarded by this
 * object's monitor; readers get a consistent {@link Counts}.
 */
public final class IpamUsage implements AutoCloseable {
    /** This node's blocks, their addresses in total, and the addresses it has allocated. */
    public record Counts(int blocks, long blockAddresses, long addressesInUse) {
    }

    private final String self;
    private final Map<IpPrefix, Block> blocks = new HashMap<>();
    private Counts counts = new Counts(0, 0, 0);
    private Watch watch;

    public IpamUsage(String self) {
        this.self = self;
    }

    /** Lists and watches the blocks (the first snapshot arrives before this returns). */
    public void start(Ipam ipam) {
        watch = ipam.watchBlocks(this::onEvent);
    }

    public synchronized Counts counts() {
        return counts;
    }

    /** Applies one block event (package-private for tests, which feed events by hand). */
    synchronized void onEvent(BlockEvent ev) {
        switch (ev) {
            case BlockEvent.Snapshot s -> {
                blocks.clear();
                s.blocks().forEach(b -> blocks.put(b.cidr(), b));
            }
            case BlockEvent.Updated u -> blocks.put(u.block().cidr(), u.block());
            case BlockEvent.Removed r -> blocks.remove(r.cidr());
        }
        int mine = 0;
        long size = 0;
        long used = 0;
        for (Block b : blocks.values()) {
            if (self.equals(b.affinity())) {
                mine++;
                size += b.size();
            }
            for (Block.Allocation a : b.allocations()) {
                if (self.equals(a.node())) {
                    used++;
                }
            }
        }
        counts = new Counts(mine, size, used);
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }
}
