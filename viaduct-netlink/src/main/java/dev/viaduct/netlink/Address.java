package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An interface address ({@code struct ifaddrmsg} + IFA_* attributes), immutable.
 *
 * @param address   the local address and prefix length (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6)
 * @param ifindex   the interface
 * @param scope     ifa_scope
 * @param flags     IFA_F_* (the u32 IFA_FLAGS): {@link #NODAD} on requests; the kernel adds PERMANENT etc.
 * @param peer      the other end of a point-to-point address, or null
 * @param broadcast IPv4 broadcast address, or null
 * @param label     IPv4 label ({@code eth0:1}), or null
 */
public record Address(IpPrefix address, int ifindex, RouteScope scope, int flags, InetAddress peer,
        InetAddress broadcast, String label) {
    /** IFA_F_NODAD: skip IPv6 duplicate address detection, so the address is usable at once. */
    public static final int NODAD = Uapi.IFA_F_NODAD;
    /** IFA_F_PERMANENT: set by the kernel on addresses without a lifetime. */
    public static final int PERMANENT = Uapi.IFA_F_PERMANENT;
    /** IFA_F_TENTATIVE: IPv6 DAD still running. */
    public static final int TENTATIVE = Uapi.IFA_F_TENTATIVE;
    /** IFA_F_NOPREFIXROUTE: do not create the prefix route for this address. */
    public static final int NOPREFIXROUTE = Uapi.IFA_F_NOPREFIXROUTE;

    public Address {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(scope, "scope");
        if (ifindex <= 0) {
            throw new IllegalArgumentException("address " + address + " needs an interface index, got " + ifindex);
        }
        if (peer != null && AddressFamily.of(peer) != AddressFamily.of(address)) {
            throw new IllegalArgumentException("peer " + IpAddresses.format(peer) + " is not of the family of " + address);
        }
        if (broadcast != null && AddressFamily.of(address) != AddressFamily.INET) {
            throw new IllegalArgumentException("only IPv4 addresses have a broadcast address: " + address);
        }
        if (label != null && (label.isEmpty() || label.length() >= Uapi.IFNAMSIZ)) {
            throw new IllegalArgumentException("address label '" + label + "' must have 1.." + (Uapi.IFNAMSIZ - 1) + " characters");
        }
    }

    /** {@code ip addr add <address> dev <ifindex>}: scope global, no flags. */
    public static Address of(IpPrefix address, int ifindex) {
        return new Address(address, ifindex, RouteScope.UNIVERSE, 0, null, null, null);
    }

    public AddressFamily family() {
        return AddressFamily.of(address);
    }

    public Address withScope(RouteScope s) {
        return new Address(address, ifindex, s, flags, peer, broadcast, label);
    }

    public Address withFlags(int f) {
        return new Address(address, ifindex, scope, f, peer, broadcast, label);
    }

    public Address withPeer(InetAddress p) {
        return new Address(address, ifindex, scope, flags, p, broadcast, label);
    }

    public Address withBroadcast(InetAddress b) {
        return new Address(address, ifindex, scope, flags, peer, b, label);
    }

    public Address withLabel(String l) {
        return new Address(address, ifindex, scope, flags, peer, broadcast, l);
    }

    public boolean has(int flag) {
        return (flags & flag) == flag;
    }

    @Override
    public String toString() {
        return address + (peer != null ? " peer " + IpAddresses.format(peer) : "") + " dev #" + ifindex
                + (scope.equals(RouteScope.UNIVERSE) ? "" : " scope " + scope)
                + (has(NODAD) ? " nodad" : "");
    }
}
