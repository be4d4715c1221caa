package dev.viaduct.sys.net;

import java.math.BigInteger;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address with a prefix length: a route destination or pool ({@code 10.244.1.0/26}), or an
 * interface address ({@code 10.168.0.3/24}). The one prefix type of every module.
 *
 * <p>The address is held as two longs so prefixes are cheap to compare, hash and keep by the million (the
 * BGP RIB): an IPv4 address sits in the low 32 bits of {@code lo} and {@code hi} is 0; an IPv6 address is
 * {@code hi:lo}, most significant half first.
 *
 * <p>Host bits are kept as given, because an interface address needs them. Whoever needs a network says
 * so: {@link #parseNetwork} rejects host bits (naming the network that was probably meant), {@link #network}
 * clears them, {@link #isNetwork} tells. The kernel, too, rejects a route destination with host bits set.
 *
 * @param ipv6   whether this is an IPv6 prefix
 * @param hi     the upper 64 bits of an IPv6 address; 0 for IPv4
 * @param lo     the lower 64 bits of an IPv6 address, or the IPv4 address in the low 32 bits
 * @param length the prefix length, 0..32 or 0..128
 */
public record IpPrefix(boolean ipv6, long hi, long lo, int length) implements Comparable<IpPrefix> {
    public IpPrefix {
        int max = ipv6 ? 128 : 32;
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("prefix length " + length + " is not 0.." + max);
        }
        if (!ipv6 && (hi != 0 || (lo >>> 32) != 0)) {
            throw new IllegalArgumentException("an IPv4 address has 32 bits");
        }
    }

    /** An IPv4 prefix from a 32-bit address (unsigned in an int). */
    public static IpPrefix v4(int address, int length) {
        return new IpPrefix(false, 0, address & 0xffffffffL, length);
    }

    public static IpPrefix v6(long hi, long lo, int length) {
        return new IpPrefix(true, hi, lo, length);
    }

    /** {@code address/length}, host bits kept. */
    public static IpPrefix of(InetAddress address, int length) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return new IpPrefix(false, 0, read(b, 0, 4), length);
        }
        return new IpPrefix(true, read(b, 0, 8), read(b, 8, 8), length);
    }

    /** A host prefix: /32 for IPv4, /128 for IPv6. */
    public static IpPrefix host(InetAddress address) {
        return of(address, IpAddresses.bits(address));
    }

    /** The network of {@code length} bits containing {@code address} (host bits cleared). */
    public static IpPrefix containing(InetAddress address, int length) {
        return of(address, length).network();
    }

    /**
     * Parses {@code 10.244.1.0/26}, {@code 10.168.0.3/24} (host bits kept), {@code fd00::/64}, or a bare
     * address (a host prefix). Literals only: nothing is ever resolved.
     */
    public static IpPrefix parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a CIDR is required");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        InetAddress a = IpAddresses.parse(slash < 0 ? s : s.substring(0, slash));
        if (slash < 0) {
            return host(a);
        }
        String len = s.substring(slash + 1);
        int n;
        try {
            n = Integer.parseInt(len);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': prefix length '" + len + "' is not a number");
        }
        int max = IpAddresses.bits(a);
        if (n < 0 || n > max) {
            throw new IllegalArgumentException("'" + text + "': prefix length must be 0.." + max);
        }
        return of(a, n);
    }

    /** Like {@link #parse}, but a network: host bits set are an error that names the network meant. */
    public static IpPrefix parseNetwork(String text) {
        IpPrefix p = parse(text);
        if (!p.isNetwork()) {
            throw new IllegalArgumentException("'" + text + "': host bits are set (did you mean " + p.network() + "?)");
        }
        return p;
    }

    public boolean isIpv4() {
        return !ipv6;
    }

    public boolean isIpv6() {
        return ipv6;
    }

    /** 32 or 128. */
    public int maxLength() {
        return ipv6 ? 128 : 32;
    }

    /** Whether the prefix covers one address (/32 or /128). */
    public boolean isHost() {
        return length == maxLength();
    }

    /** Whether no bit past {@code length} is set. */
    public boolean isNetwork() {
        return maskHi(hi, length) == hi && maskLo(lo, length) == lo;
    }

    /** The network: host bits cleared ({@code 10.168.0.3/24} → {@code 10.168.0.0/24}). */
    public IpPrefix network() {
        return isNetwork() ? this : new IpPrefix(ipv6, maskHi(hi, length), maskLo(lo, length), length);
    }

    /** The same address with another prefix length. */
    public IpPrefix withLength(int newLength) {
        return new IpPrefix(ipv6, hi, lo, newLength);
    }

    /** The address, host bits included. */
    public InetAddress address() {
        return IpAddresses.of(addressBytes());
    }

    /** The address text without the length, as {@code ip} prints it. */
    public String addressText() {
        return ipv6 ? IpAddresses.formatV6(hi, lo) : IpAddresses.formatV4(lo);
    }

    /** The full address in network order: 4 or 16 bytes. */
    public byte[] addressBytes() {
        if (!ipv6) {
            return new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    /** Whether {@code a} lies inside this prefix's network. */
    public boolean contains(InetAddress a) {
        return contains(host(a));
    }

    /** Whether {@code other} lies entirely inside this prefix's network (or equals it). */
    public boolean contains(IpPrefix other) {
        return other.ipv6 == ipv6 && other.length >= length
                && maskHi(other.hi, length) == maskHi(hi, length) && maskLo(other.lo, length) == maskLo(lo, length);
    }

    public boolean overlaps(IpPrefix other) {
        return contains(other) || other.contains(this);
    }

    /** Number of addresses in the network. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(maxLength() - length);
    }

    /** The address at {@code ordinal} (0-based) inside this network. */
    public InetAddress addressAt(BigInteger ordinal) {
        if (ordinal.signum() < 0 || ordinal.compareTo(size()) >= 0) {
            throw new IllegalArgumentException("ordinal " + ordinal + " is outside " + network());
        }
        return fromBig(network().toBig().add(ordinal));
    }

    public InetAddress addressAt(long ordinal) {
        return addressAt(BigInteger.valueOf(ordinal));
    }

    /** Position of {@code a} inside this network. */
    public BigInteger ordinalOf(InetAddress a) {
        if (!contains(a)) {
            throw new IllegalArgumentException(IpAddresses.format(a) + " is not in " + network());
        }
        return host(a).toBig().subtract(network().toBig());
    }

    /** The {@code index}-th subnet of length {@code subnetLength} inside this network. */
    public IpPrefix subnet(int subnetLength, BigInteger index) {
        if (subnetLength < length || subnetLength > maxLength()) {
            throw new IllegalArgumentException("/" + subnetLength + " subnets do not fit in " + network());
        }
        return of(addressAt(index.shiftLeft(maxLength() - subnetLength)), subnetLength);
    }

    /** IPv4 before IPv6, then by address (unsigned), then by length. */
    @Override
    public int compareTo(IpPrefix o) {
        int c = Boolean.compare(ipv6, o.ipv6);
        if (c == 0) {
            c = Long.compareUnsigned(hi, o.hi);
        }
        if (c == 0) {
            c = Long.compareUnsigned(lo, o.lo);
        }
        return c != 0 ? c : Integer.compare(length, o.length);
    }

    @Override
    public String toString() {
        return addressText() + "/" + length;
    }

    private long maskHi(long v, int len) {
        if (!ipv6) {
            return 0;
        }
        return len >= 64 ? v : len == 0 ? 0 : v & (-1L << (64 - len));
    }

    private long maskLo(long v, int len) {
        if (!ipv6) {
            return len == 0 ? 0 : v & ((0xffffffffL << (32 - len)) & 0xffffffffL);
        }
        return len <= 64 ? 0 : len == 128 ? v : v & (-1L << (128 - len));
    }

    private BigInteger toBig() {
        return new BigInteger(1, addressBytes());
    }

    private InetAddress fromBig(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[maxLength() / 8];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        return IpAddresses.of(out);
    }

    private static long read(byte[] b, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
