package dev.viaduct.ipam;

import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A block: a slice of a pool (its {@code blockSize}) that one node usually holds ({@code affinity}) and
 * routes as a whole. Each allocation records the address, the handle that holds it and the node that
 * allocated it; an allocation by a node other than the affine one is <em>borrowed</em> and must be routed
 * as a /32 (/128) to that node. A block without affinity (its node released it while addresses were still
 * in use) is routed by allocation only. {@code next} is the ordinal where the search for a free address
 * starts, so a just-released address is not handed straight out again.
 */
public record Block(IpPrefix cidr, String affinity, List<Allocation> allocations, int next) {
    public Block {
        Objects.requireNonNull(cidr, "cidr");
        if (!cidr.isNetwork()) {
            throw new IllegalArgumentException("block " + cidr + ": host bits are set (did you mean " + cidr.network() + "?)");
        }
        allocations = allocations.stream().sorted(Comparator.comparing(a -> IpPrefix.host(a.address()))).toList();
        for (Allocation a : allocations) {
            if (!cidr.contains(a.address())) {
                throw new IllegalArgumentException("block " + cidr + ": allocation " + IpAddresses.format(a.address()) + " is outside it");
            }
        }
        for (int i = 1; i < allocations.size(); i++) {
            if (allocations.get(i).address().equals(allocations.get(i - 1).address())) {
                throw new IllegalArgumentException("block " + cidr + ": " + IpAddresses.format(allocations.get(i).address())
                        + " is allocated twice");
            }
        }
    }

    /** One allocated address. */
    public record Allocation(InetAddress address, String handle, String node) {
        public Allocation {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(handle, "handle");
            Objects.requireNonNull(node, "node");
        }
    }

    /** The node this block is affine to, if any. */
    public Optional<String> affineNode() {
        return Optional.ofNullable(affinity);
    }

    /** Number of addresses in the block. */
    public int size() {
        return cidr.size().intValueExact();
    }

    /** Allocations made by a node other than the block's affine node (routed as host routes). */
    public List<Allocation> borrowed() {
        return allocations.stream().filter(a -> !a.node().equals(affinity)).toList();
    }

    public Optional<Allocation> allocation(InetAddress a) {
        return allocations.stream().filter(x -> x.address().equals(a)).findFirst();
    }

    public boolean isEmpty() {
        return allocations.isEmpty();
    }

    /** The first free, non-reserved address at or after {@code next} (wrapping), or empty when full. */
    Optional<InetAddress> firstFree(Pool pool) {
        int size = size();
        java.util.Set<InetAddress> used = new java.util.HashSet<>();
        allocations.forEach(a -> used.add(a.address()));
        for (int i = 0; i < size; i++) {
            int ord = (next + i) % size;
            InetAddress a = cidr.addressAt(ord);
            if (!used.contains(a) && !pool.isReserved(a)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    Block with(Allocation a) {
        List<Allocation> l = new ArrayList<>(allocations);
        l.add(a);
        int ord = cidr.ordinalOf(a.address()).intValueExact();
        return new Block(cidr, affinity, l, (ord + 1) % size());
    }

    Block withoutHandle(String handle) {
        return new Block(cidr, affinity, allocations.stream().filter(a -> !a.handle().equals(handle)).toList(), next);
    }

    Block withoutAddress(InetAddress address) {
        return new Block(cidr, affinity, allocations.stream().filter(a -> !a.address().equals(address)).toList(), next);
    }

    Block withAffinity(String node) {
        return new Block(cidr, node, allocations, next);
    }

    static Block empty(IpPrefix cidr, String affinity) {
        return new Block(cidr, affinity, List.of(), 0);
    }
}
