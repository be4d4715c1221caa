package dev.viaduct.ipam;

import dev.viaduct.ipam.IpamException.Reason;
import dev.viaduct.sys.net.IpAddresses;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A handle: one pod attachment ({@code <network>.<containerID>.<ifname>}) and the addresses it holds (at
 * most one per family), the node that allocated them, free-form attributes (pod namespace/name) and when
 * it was last assigned.
 */
public record Handle(String id, String node, List<InetAddress> addresses, Map<String, String> attributes, Instant assigned) {
    public Handle {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(node, "node");
        addresses = List.copyOf(addresses);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        Objects.requireNonNull(assigned, "assigned");
    }

    public Optional<InetAddress> ipv4() {
        return addresses.stream().filter(a -> a instanceof java.net.Inet4Address).findFirst();
    }

    public Optional<InetAddress> ipv6() {
        return addresses.stream().filter(a -> a instanceof java.net.Inet6Address).findFirst();
    }

    /** Fails (INVALID) unless {@code node} allocated this handle: a handle belongs to one node. */
    void requireNode(String node) {
        if (!this.node.equals(node)) {
            throw new IpamException(Reason.INVALID, "handle " + id + " already holds "
                    + addresses.stream().map(IpAddresses::format).toList() + " allocated by node " + this.node
                    + ", not " + node);
        }
    }
}
