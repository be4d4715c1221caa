package dev.viaduct.netlink;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parsing of numeric IP addresses, never resolving a name (InetAddress.getByName would). */
final class Addresses {
    private Addresses() {
    }

    static InetAddress parse(String text) {
        String t = text.strip();
        boolean v4 = !t.isEmpty() && t.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
        boolean v6 = t.indexOf(':') >= 0 && t.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
        if (v4) {
            String[] parts = t.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || Integer.parseInt(parts[i]) > 255) {
                    throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
                }
                b[i] = (byte) Integer.parseInt(parts[i]);
            }
            return byAddress(b);
        }
        if (v6) {
            try {
                return Inet6Address.ofLiteral(t);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a numeric IP address");
    }

    static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(b.length + " bytes is not an IP address");
        }
    }

    /** The address as {@code ip} prints it: dotted quad, or RFC 5952 compressed IPv6 ({@code fd00::1}). */
    static String format(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return a.getHostAddress();
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        // RFC 5952 §4.2: the longest run of two or more zero groups (the first on a tie) becomes "::".
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
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
