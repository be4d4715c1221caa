package dev.viaduct.agent.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.ipam.Block;
import dev.viaduct.ipam.BlockEvent;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpamUsageTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static Block block(String cidr, String node, List<Block.Allocation> allocs) {
        return new Block(IpPrefix.parseNetwork(cidr), node, allocs, 0);
    }

    @Test
    void countsOnlyThisNodesBlocksAndTheAddressesItAllocatedIncludingBorrowedOnes() throws Exception {
        IpamUsage u = new IpamUsage("n1");
        assertThat(u.counts()).isEqualTo(new IpamUsage.Counts(0, 0, 0));
        u.onEvent(new BlockEvent.Snapshot(List.of(
                block("10.244.0.0/26", "n1", List.of(new Block.Allocation(ip("10.244.0.1"), "h1", "n1"),
                        new Block.Allocation(ip("10.244.0.2"), "h2", "n2"))), // borrowed by n2
                block("10.244.0.64/26", "n2", List.of(new Block.Allocation(ip("10.244.0.65"), "h3", "n2"),
                        new Block.Allocation(ip("10.244.0.66"), "h4", "n1")))), 5)); // borrowed by n1
        assertThat(u.counts()).isEqualTo(new IpamUsage.Counts(1, 64, 2));

        u.onEvent(new BlockEvent.Updated(block("10.244.0.128/26", "n1", List.of()), 6));
        assertThat(u.counts()).isEqualTo(new IpamUsage.Counts(2, 128, 2));

        u.onEvent(new BlockEvent.Removed(IpPrefix.parseNetwork("10.244.0.64/26"), 7));
        assertThat(u.counts()).isEqualTo(new IpamUsage.Counts(2, 128, 1));

        u.onEvent(new BlockEvent.Snapshot(List.of(), 8));
        assertThat(u.counts()).isEqualTo(new IpamUsage.Counts(0, 0, 0));
    }
}
