package dev.viaduct.agent.net;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 address with a prefix length, e.g. {@code 10.244.1.0/26} or an interface address
 * {@code 10.168.0.3/24}. Parsing never does DNS: only numeric literals are accepted.
 */
public record Cidr(InetAddress address, int prefixLength) implements Comparable<Cidr> {
    public Cidr {
        int max = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + max);
        }
    }

    /** Parses {@code a.b.c.d/n}, {@code x::y/n}, or a bare address (host prefix /32 or /128). */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        InetAddress addr = parseAddress(slash < 0 ? s : s.substring(0, slash));
        int max = addr.getAddress().length * 8;
        int len;
        if (slash < 0) {
            len = max;
        } else {
            try {
                len = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR: bad prefix length");
            }
            if (len < 0 || len > max) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR: prefix length must be 0.." + max);
            }
        }
        return new Cidr(addr, len);
    }

    /** Parses a numeric IPv4 or IPv6 literal; rejects host names (no DNS lookups, ever). */
    public static InetAddress parseAddress(String text) {
        String s = text.strip();
        boolean v4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = s.contains(":") && s.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
        if (v4) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new IllegalArgumentException("'" + text + "' is not an IP address");
                }
            }
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
    }

    /** A host prefix (/32 or /128) for {@code address}. */
    public static Cidr host(InetAddress address) {
        return new Cidr(address, address.getAddress().length * 8);
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    public int maxLength() {
        return address.getAddress().length * 8;
    }

    public boolean isHost() {
        return prefixLength == maxLength();
    }

    /** The network: host bits cleared ({@code 10.168.0.3/24} → {@code 10.168.0.0/24}). */
    public Cidr network() {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefixLength - i * 8));
            b[i] &= (byte) (0xff00 >>> bitsHere);
        }
        try {
            return new Cidr(InetAddress.getByAddress(b), prefixLength);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether {@code other} lies inside this prefix (same family, within the network bits). */
    public boolean contains(InetAddress other) {
        byte[] a = address.getAddress();
        byte[] o = other.getAddress();
        if (a.length != o.length) {
            return false;
        }
        return Arrays.equals(new Cidr(other, prefixLength).network().address.getAddress(), network().address.getAddress());
    }

    /** Whether {@code other} is entirely inside this prefix. */
    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.address);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }

    /** The bare address text, without the prefix length. */
    public String addressText() {
        return address.getHostAddress();
    }

    @Override
    public int compareTo(Cidr o) {
        byte[] a = address.getAddress();
        byte[] b = o.address.getAddress();
        if (a.length != b.length) {
            return Integer.compare(a.length, b.length);
        }
        int c = new BigInteger(1, a).compareTo(new BigInteger(1, b));
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }
}
