package dev.viaduct.agent.overlay;

import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Tunnel device addresses from IPAM, one per node and tunnel kind, held by a handle such as
 * {@code vxlan-tunnel-addr-n1} (Calico's scheme): the VTEP address is a pod-range address, so replies to
 * traffic the node itself sends through the tunnel come back through the tunnel.
 */
public interface TunnelAddresses {
    /**
     * The address {@code handle} holds, assigning one (for {@code node}) from one of {@code pools} if it holds
     * none, or holds one outside them (which is released first). Idempotent.
     */
    InetAddress ensure(String handle, String node, List<IpPrefix> pools) throws TunnelAddressException;

    /** What {@code handle} holds now, if anything. */
    Optional<InetAddress> current(String handle) throws TunnelAddressException;

    /** Releases {@code handle}'s address; nothing when it holds none. */
    void release(String handle) throws TunnelAddressException;

    final class TunnelAddressException extends Exception {
        public TunnelAddressException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
