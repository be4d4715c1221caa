package dev.viaduct.bgp.wire;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix in canonical form (no bits set past {@code length}). The address is held as two
 * longs so that prefixes are cheap to compare and hash: an IPv4 address sits in the low 32 bits of
 * {@code lo} (and {@code hi} is 0); an IPv6 address is {@code hi:lo}, most significant half first.
 *
 * <p>The RIB does not keep one of these per route; it keeps the packed words of {@link PrefixList}.
 */
public record Prefix(Family family, long hi, long lo, int length) implements Comparable<Prefix> {
    public Prefix {
        if (family == null) {
            throw new IllegalArgumentException("family: must not be null");
        }
        if (length < 0 || length > family.maxLength()) {
            throw new IllegalArgumentException("length: " + length + " is not 0.." + family.maxLength());
        }
        if (family == Family.IPV4_UNICAST && (hi != 0 || (lo >>> 32) != 0)) {
            throw new IllegalArgumentException("address: not an IPv4 address");
        }
        if (!isCanonical(family, hi, lo, length)) {
            throw new IllegalArgumentException("address: host bits set past /" + length + " in " + format(family, hi, lo, length));
        }
    }

    /** An IPv4 prefix from a 32-bit address (unsigned in an int). */
    public static Prefix v4(int address, int length) {
        return new Prefix(Family.IPV4_UNICAST, 0, address & 0xffffffffL, length);
    }

    public static Prefix v6(long hi, long lo, int length) {
        return new Prefix(Family.IPV6_UNICAST, hi, lo, length);
    }

    /** The prefix of {@code length} bits of {@code address}; host bits must be zero. */
    public static Prefix of(InetAddress address, int length) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return v4((int) readLong(b, 0, 4), length);
        }
        return v6(readLong(b, 0, 8), readLong(b, 8, 8), length);
    }

    /**
     * Parses {@code 10.244.3.0/26} or {@code fd00:1::/64} (a bare address means a host route). Only literals
     * are accepted, never host names.
     */
    public static Prefix parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        InetAddress a = parseAddress(addr);
        int max = a.getAddress().length * 8;
        int len;
        if (slash < 0) {
            len = max;
        } else {
            try {
                len = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': prefix length is not a number");
            }
        }
        if (len < 0 || len > max) {
            throw new IllegalArgumentException("'" + text + "': prefix length must be 0.." + max);
        }
        try {
            return of(a, len);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': host bits are set (did you mean " + truncate(a, len) + "?)");
        }
    }

    /** Parses an IP address literal (never resolves names). */
    public static InetAddress parseAddress(String literal) {
        String s = literal.strip();
        boolean looksV4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean looksV6 = s.contains(":") && s.matches("[0-9A-Fa-f:.]+");
        if (!looksV4 && !looksV6) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address literal");
        }
        if (looksV4) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new IllegalArgumentException("'" + literal + "' is not an IP address literal");
                }
            }
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address literal");
        }
    }

    private static Prefix truncate(InetAddress a, int len) {
        byte[] b = a.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, len - i * 8));
            b[i] &= (byte) (0xff00 >>> keep);
        }
        try {
            return of(InetAddress.getByAddress(b), len);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The network address. */
    public InetAddress address() {
        try {
            return InetAddress.getByAddress(addressBytes());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The full-length address bytes (4 or 16). */
    public byte[] addressBytes() {
        if (family == Family.IPV4_UNICAST) {
            return new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    /** Whether {@code other} lies inside this prefix (or equals it). */
    public boolean contains(Prefix other) {
        if (other.family != family || other.length < length) {
            return false;
        }
        return maskHi(other.hi, length) == hi && maskLo(other.lo, length) == lo;
    }

    private long maskHi(long v, int len) {
        if (family == Family.IPV4_UNICAST) {
            return 0;
        }
        return len >= 64 ? v : len == 0 ? 0 : v & (-1L << (64 - len));
    }

    private long maskLo(long v, int len) {
        if (family == Family.IPV4_UNICAST) {
            return len == 0 ? 0 : v & ((0xffffffffL << (32 - len)) & 0xffffffffL);
        }
        return len <= 64 ? 0 : len == 128 ? v : v & (-1L << (128 - len));
    }

    static boolean isCanonical(Family family, long hi, long lo, int length) {
        if (family == Family.IPV4_UNICAST) {
            long mask = length == 0 ? 0 : (0xffffffffL << (32 - length)) & 0xffffffffL;
            return (lo & ~mask) == 0;
        }
        if (length <= 64) {
            long mask = length == 0 ? 0 : -1L << (64 - length);
            return lo == 0 && (hi & ~mask) == 0;
        }
        long mask = length == 128 ? -1L : -1L << (128 - length);
        return (lo & ~mask) == 0;
    }

    private static long readLong(byte[] b, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    @Override
    public int compareTo(Prefix o) {
        int c = family.compareTo(o.family);
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
        return format(family, hi, lo, length);
    }

    private static String format(Family family, long hi, long lo, int length) {
        if (family == Family.IPV4_UNICAST) {
            return ((lo >>> 24) & 0xff) + "." + ((lo >>> 16) & 0xff) + "." + ((lo >>> 8) & 0xff) + "." + (lo & 0xff) + "/" + length;
        }
        return formatV6(hi, lo) + "/" + length;
    }

    /** RFC 5952 text form: lower case, longest run of two or more zero groups compressed to "::". */
    static String formatV6(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
