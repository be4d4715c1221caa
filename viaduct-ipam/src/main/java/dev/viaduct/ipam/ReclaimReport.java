package dev.viaduct.ipam;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;

/**
 * What a reclamation pass did (or, for a dry run, would do): each node not present with its verdict, the
 * handles released and the blocks given back. {@code skipped} lists what changed between read and write
 * (a compare failed): it is left alone and looked at again by the next pass.
 */
public record ReclaimReport(boolean dryRun, List<Verdict> nodes, List<ReleasedHandle> handles, List<ReleasedBlock> blocks,
        List<String> skipped) {
    public ReclaimReport {
        nodes = List.copyOf(nodes);
        handles = List.copyOf(handles);
        blocks = List.copyOf(blocks);
        skipped = List.copyOf(skipped);
    }

    /**
     * A node that is not present: {@code gone} (reclaimed in this pass) or waiting until {@code reclaimableAt}
     * (null when gone). {@code why} says which signal decided it.
     */
    public record Verdict(String node, boolean gone, String why, Instant reclaimableAt) {
    }

    /** A handle of a gone node, released with its addresses. */
    public record ReleasedHandle(String handle, String node, List<InetAddress> addresses) {
        public ReleasedHandle {
            addresses = List.copyOf(addresses);
        }
    }

    /**
     * A block that was affine to a gone node: {@code deleted} (back in the pool) when nothing was left in it,
     * else its affinity is cleared and it keeps {@code borrowedKept} addresses other nodes borrowed.
     */
    public record ReleasedBlock(IpPrefix cidr, String node, boolean deleted, int borrowedKept) {
    }

    /** Addresses released (or that would be). */
    public int addresses() {
        return handles.stream().mapToInt(h -> h.addresses().size()).sum();
    }
}
