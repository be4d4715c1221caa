package dev.viaduct.bfd;

import dev.viaduct.sys.net.IpAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * Identifies a single-hop session the way RFC 5881 §3 demultiplexes first packets: the peer's address, our
 * local address and, optionally, the interface. Addresses are kept as bare IP addresses (no host name, no IPv6
 * scope: the interface carries the scope).
 */
public record SessionKey(InetAddress peer, InetAddress local, Optional<String> interfaceName) {
    public SessionKey {
        peer = bare(Objects.requireNonNull(peer, "peer"));
        local = bare(Objects.requireNonNull(local, "local"));
        Objects.requireNonNull(interfaceName, "interfaceName");
    }

    static InetAddress bare(InetAddress a) {
        return IpAddresses.of(a.getAddress());
    }

    @Override
    public String toString() {
        return "peer=" + host(peer) + " local=" + host(local) + interfaceName.map(i -> " dev=" + i).orElse("");
    }

    /** The address as text; IPv6 in brackets and in RFC 5952 form (longest zero run compressed). */
    static String host(InetAddress a) {
        return a instanceof Inet6Address ? "[" + IpAddresses.format(a) + "]" : IpAddresses.format(a);
    }
}
