package dev.viaduct.bfd;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;

/**
 * Identifies a single-hop session the way RFC 5881 §3 demultiplexes first packets: the peer's address, our
 * local address and, optionally, the interface. Addresses are kept as bare IP addresses (no host name, no IPv6
 * scope: the interface carries the scope).
 */
public record SessionKey(InetAddress peer, InetAddress local, Optional<String> interfaceName) {
    public SessionKey {
        peer = bare(Objects.requireNonNull(peer, "peer"));
        local = bare(Objects.requireNonNull(local, "local"));
        Objects.requireNonNull(interfaceName, "interfaceName");
    }

    static InetAddress bare(InetAddress a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public String toString() {
        return "peer=" + host(peer) + " local=" + host(local) + interfaceName.map(i -> " dev=" + i).orElse("");
    }

    /** The address as text; IPv6 in brackets and in RFC 5952 form (longest zero run compressed). */
    static String host(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(groups[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.append(']').toString();
    }
}
