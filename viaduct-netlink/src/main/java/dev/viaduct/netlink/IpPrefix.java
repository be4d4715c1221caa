package dev.viaduct.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address with a prefix length: a route destination ({@code 10.244.1.0/24}) or an
 * interface address ({@code 10.244.1.7/32}). Host bits are kept as given (an interface address needs them);
 * the kernel rejects a route destination with host bits set, and says so.
 *
 * @param address the address (IPv4 or IPv6)
 * @param length  prefix length: 0..32 for IPv4, 0..128 for IPv6
 */
public record IpPrefix(InetAddress address, int length) {
    public IpPrefix {
        Objects.requireNonNull(address, "address");
        int max = address instanceof Inet4Address ? 32 : 128;
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("prefix length " + length + " out of range 0.." + max + " for " + Addresses.format(address));
        }
    }

    /** A host prefix: /32 for IPv4, /128 for IPv6. */
    public static IpPrefix host(InetAddress address) {
        return new IpPrefix(address, address instanceof Inet4Address ? 32 : 128);
    }

    /**
     * Parses {@code "10.244.1.0/24"}, {@code "fd00::/64"}, or a bare address (a host prefix). Only numeric
     * addresses are accepted: nothing is ever resolved.
     */
    public static IpPrefix parse(String text) {
        int slash = text.indexOf('/');
        InetAddress a = Addresses.parse(slash < 0 ? text : text.substring(0, slash));
        if (slash < 0) {
            return host(a);
        }
        String len = text.substring(slash + 1);
        try {
            return new IpPrefix(a, Integer.parseInt(len));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("prefix length '" + len + "' in '" + text + "' is not a number");
        }
    }

    /** AF_INET or AF_INET6. */
    public AddressFamily family() {
        return AddressFamily.of(address);
    }

    /** Whether the prefix covers one address (/32 or /128). */
    public boolean isHost() {
        return length == (address instanceof Inet4Address ? 32 : 128);
    }

    @Override
    public String toString() {
        return Addresses.format(address) + "/" + length;
    }
}
