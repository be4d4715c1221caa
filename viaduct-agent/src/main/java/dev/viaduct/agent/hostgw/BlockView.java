package dev.viaduct.agent.hostgw;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The part of an IPAM block route sources need: where it lives and who holds its addresses.
 *
 * @param affinity    the node the block is affine to (empty once released)
 * @param allocations every assigned address with the node that assigned it (a borrowed address names a node
 *                    other than the affinity)
 */
public record BlockView(IpPrefix cidr, Optional<String> affinity, List<Allocation> allocations) {
    public BlockView {
        allocations = List.copyOf(allocations);
    }

    public record Allocation(InetAddress address, String node) {
    }
}
