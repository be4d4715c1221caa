package dev.viaduct.ipam;

import dev.viaduct.sys.net.IpPrefix;
import java.util.List;

/**
 * What {@link Ipam#watchBlocks} delivers: a full {@link Snapshot} first (and again whenever the watch had to
 * re-list after compaction), then changes. A consumer keeps a map CIDR → block: replace it on a snapshot,
 * put on {@link Updated}, remove on {@link Removed}.
 */
public sealed interface BlockEvent {
    /** Every block as of {@code revision}. */
    record Snapshot(List<Block> blocks, long revision) implements BlockEvent {
        public Snapshot {
            blocks = List.copyOf(blocks);
        }
    }

    /** A block was created or changed. */
    record Updated(Block block, long revision) implements BlockEvent {
    }

    /** A block was deleted. */
    record Removed(IpPrefix cidr, long revision) implements BlockEvent {
    }
}
