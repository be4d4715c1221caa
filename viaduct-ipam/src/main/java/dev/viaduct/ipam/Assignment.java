package dev.viaduct.ipam;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The result of an assign: the handle's addresses (one per requested family) with the block each came from
 * and whether it was borrowed from a block affine to another node.
 */
public record Assignment(String handle, List<Assigned> addresses) {
    public Assignment {
        addresses = List.copyOf(addresses);
    }

    /** One assigned address. */
    public record Assigned(InetAddress address, IpPrefix block, IpPrefix pool, boolean borrowed) {
    }

    public Optional<InetAddress> ipv4() {
        return addresses.stream().map(Assigned::address).filter(a -> a instanceof java.net.Inet4Address).findFirst();
    }

    public Optional<InetAddress> ipv6() {
        return addresses.stream().map(Assigned::address).filter(a -> a instanceof java.net.Inet6Address).findFirst();
    }
}
