package dev.viaduct.ipam;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;

/**
 * Consistency findings, each a list that is empty when all is well:
 * addresses allocated in a block whose handle has no record (or whose record does not list them);
 * handle records listing addresses no block gives them; addresses listed by more than one handle;
 * blocks affine to nodes that no longer exist; a node's extra blocks that are mostly empty (the node holds
 * more than one block of the family and this one is used at most {@code IpamConfig.mostlyEmptyFraction});
 * allocations in reserved ranges.
 */
public record CheckReport(List<Orphan> addressesWithoutHandles, List<Missing> handlesWithoutAddresses,
        List<InetAddress> addressesInSeveralHandles, List<IpPrefix> blocksOfMissingNodes, List<Sparse> mostlyEmptyBlocks,
        List<InetAddress> reservedButAllocated, int blocks, int handles, int allocations) {
    public CheckReport {
        addressesWithoutHandles = List.copyOf(addressesWithoutHandles);
        handlesWithoutAddresses = List.copyOf(handlesWithoutAddresses);
        addressesInSeveralHandles = List.copyOf(addressesInSeveralHandles);
        blocksOfMissingNodes = List.copyOf(blocksOfMissingNodes);
        mostlyEmptyBlocks = List.copyOf(mostlyEmptyBlocks);
        reservedButAllocated = List.copyOf(reservedButAllocated);
    }

    /** An address allocated in {@code block} to {@code handle}, which has no record listing it. */
    public record Orphan(InetAddress address, String handle, IpPrefix block) {
    }

    /** A handle record listing {@code address}, which no block allocates to it. */
    public record Missing(String handle, InetAddress address) {
    }

    /** A block of {@code node} with {@code used} of {@code size} addresses in use. */
    public record Sparse(IpPrefix block, String node, int used, int size) {
    }

    /** True when there is no leak and no inconsistency (mostly-empty blocks are advice, not errors). */
    public boolean consistent() {
        return addressesWithoutHandles.isEmpty() && handlesWithoutAddresses.isEmpty()
                && addressesInSeveralHandles.isEmpty() && reservedButAllocated.isEmpty();
    }
}
