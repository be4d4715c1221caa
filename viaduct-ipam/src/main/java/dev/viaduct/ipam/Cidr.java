package dev.viaduct.ipam;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 network: a network address (host bits zero) and a prefix length. Parsing takes literals
 * only ({@link InetAddress#ofLiteral}: never a DNS lookup); text form is RFC 5952 for IPv6
 * ({@code fd00::/122}). Arithmetic uses {@link BigInteger} so /64 IPv6 pools work.
 */
public record Cidr(InetAddress address, int prefixLength) implements Comparable<Cidr> {
    public Cidr {
        Objects.requireNonNull(address, "address");
        int bits = bits(address);
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + bits);
        }
        BigInteger v = toBig(address);
        BigInteger masked = mask(v, prefixLength, bits);
        if (!masked.equals(v)) {
            throw new IllegalArgumentException(format(address) + "/" + prefixLength + " has host bits set (did you mean "
                    + format(fromBig(masked, bits)) + "/" + prefixLength + "?)");
        }
    }

    /** Parses {@code address/length}; a bare address is a /32 or /128. */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "CIDR");
        int slash = text.indexOf('/');
        InetAddress a = parseAddress(slash < 0 ? text : text.substring(0, slash));
        int len;
        if (slash < 0) {
            len = bits(a);
        } else {
            try {
                len = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': prefix length is not a number");
            }
        }
        try {
            return new Cidr(a, len);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.getMessage());
        }
    }

    /** Parses an IP address literal (no DNS). */
    public static InetAddress parseAddress(String text) {
        try {
            return InetAddress.ofLiteral(text.strip());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
    }

    /** The network of {@code prefixLength} containing {@code a}. */
    public static Cidr containing(InetAddress a, int prefixLength) {
        int bits = bits(a);
        return new Cidr(fromBig(mask(toBig(a), prefixLength, bits), bits), prefixLength);
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** 32 or 128. */
    public int bits() {
        return bits(address);
    }

    /** Number of addresses. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(bits() - prefixLength);
    }

    public boolean contains(InetAddress a) {
        return bits(a) == bits() && mask(toBig(a), prefixLength, bits()).equals(toBig(address));
    }

    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.address);
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** The address at {@code ordinal} (0-based) inside this network. */
    public InetAddress addressAt(BigInteger ordinal) {
        if (ordinal.signum() < 0 || ordinal.compareTo(size()) >= 0) {
            throw new IllegalArgumentException("ordinal " + ordinal + " outside " + this);
        }
        return fromBig(toBig(address).add(ordinal), bits());
    }

    public InetAddress addressAt(long ordinal) {
        return addressAt(BigInteger.valueOf(ordinal));
    }

    /** Position of {@code a} inside this network. */
    public BigInteger ordinalOf(InetAddress a) {
        if (!contains(a)) {
            throw new IllegalArgumentException(format(a) + " is not in " + this);
        }
        return toBig(a).subtract(toBig(address));
    }

    /** The {@code index}-th subnet of length {@code length} inside this network. */
    public Cidr subnet(int length, BigInteger index) {
        if (length < prefixLength || length > bits()) {
            throw new IllegalArgumentException("/" + length + " subnets do not fit in " + this);
        }
        return new Cidr(addressAt(index.shiftLeft(bits() - length)), length);
    }

    @Override
    public int compareTo(Cidr o) {
        int c = Integer.compare(bits(), o.bits());
        if (c != 0) {
            return c;
        }
        c = toBig(address).compareTo(toBig(o.address));
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefixLength;
    }

    /** RFC 5952 text of an address: dotted quad, or lower-case IPv6 with the longest zero run as "::". */
    public static String format(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(g[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    static int bits(InetAddress a) {
        return a instanceof Inet6Address ? 128 : 32;
    }

    static BigInteger toBig(InetAddress a) {
        return new BigInteger(1, a.getAddress());
    }

    static InetAddress fromBig(BigInteger v, int bits) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[bits / 8];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        try {
            return InetAddress.getByAddress(out);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("impossible: " + Arrays.toString(out), e);
        }
    }

    private static BigInteger mask(BigInteger v, int len, int bits) {
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - len).subtract(BigInteger.ONE);
        return v.andNot(hostMask);
    }
}
