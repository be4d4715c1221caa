package dev.viaduct.sys.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The one place IP address text is read and written. Parsing takes numeric literals only and never
 * resolves a name ({@link InetAddress#getByName} would do a DNS lookup for anything it does not recognise);
 * formatting is what {@code ip} prints: a dotted quad, or RFC 5952 text for IPv6 (lower case, the longest
 * run of two or more zero groups, the first on a tie, compressed to {@code ::}).
 */
public final class IpAddresses {
    private IpAddresses() {
    }

    /**
     * Parses {@code 10.0.0.1} or {@code fd00::1}. Rejects host names, IPv4 parts over 255 or with more
     * than three digits, and anything else that is not an address literal, naming the text.
     */
    public static InetAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("an IP address is required");
        }
        String t = text.strip();
        boolean v4 = !t.isEmpty() && t.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
        boolean v6 = t.indexOf(':') >= 0 && t.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
        if (v4) {
            String[] parts = t.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("'" + text + "' is not an IP address");
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || Integer.parseInt(parts[i]) > 255) {
                    throw new IllegalArgumentException("'" + text + "' is not an IP address");
                }
                b[i] = (byte) Integer.parseInt(parts[i]);
            }
            return of(b);
        }
        if (v6) {
            try {
                return InetAddress.ofLiteral(t);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is not an IP address");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an IP address");
    }

    /** The address of 4 or 16 bytes in network order. */
    public static InetAddress of(byte[] bytes) {
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException(bytes.length + " bytes is not an IP address (4 or 16)");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }

    /**
     * The IPv6 link-local address the kernel gives an interface with this 48-bit MAC (RFC 4291 §2.5.1 and
     * Appendix A: modified EUI-64, universal/local bit inverted, {@code ff:fe} in the middle), e.g.
     * {@code ee:ee:ee:ee:ee:ee} → {@code fe80::ecee:eeff:feee:eeee}.
     */
    public static InetAddress linkLocal(byte[] mac48) {
        if (mac48.length != 6) {
            throw new IllegalArgumentException(mac48.length + " bytes is not a 48-bit MAC");
        }
        byte[] a = new byte[16];
        a[0] = (byte) 0xfe;
        a[1] = (byte) 0x80;
        a[8] = (byte) (mac48[0] ^ 0x02);
        a[9] = mac48[1];
        a[10] = mac48[2];
        a[11] = (byte) 0xff;
        a[12] = (byte) 0xfe;
        a[13] = mac48[3];
        a[14] = mac48[4];
        a[15] = mac48[5];
        return of(a);
    }

    /** 32 for IPv4, 128 for IPv6. */
    public static int bits(InetAddress a) {
        return a instanceof Inet4Address ? 32 : 128;
    }

    /** The address as {@code ip} prints it: {@code 10.0.0.1}, {@code fd00::1}. */
    public static String format(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xff);
            lo = (lo << 8) | (b[8 + i] & 0xff);
        }
        return formatV6(hi, lo);
    }

    static String formatV4(long lo) {
        return ((lo >>> 24) & 0xff) + "." + ((lo >>> 16) & 0xff) + "." + ((lo >>> 8) & 0xff) + "." + (lo & 0xff);
    }

    /** RFC 5952 §4: lower case, no leading zeros, the longest run (≥ 2, first on a tie) of zero groups as "::". */
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
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
