package dev.viaduct.policy.eval;

import dev.viaduct.sys.net.IpAddresses;
import java.net.InetAddress;

/**
 * The first packet of a connection: addresses, transport and destination port (0 for ICMP).
 */
public record Traffic(InetAddress src, InetAddress dst, Transport transport, int port) {
    public Traffic {
        if ((src.getAddress().length) != dst.getAddress().length) {
            throw new IllegalArgumentException("source and destination must be of one address family");
        }
    }

    @Override
    public String toString() {
        return IpAddresses.format(src) + " -> " + IpAddresses.format(dst) + " " + transport
                + (transport == Transport.ICMP ? "" : "/" + port);
    }
}
