package dev.viaduct.bgp.wire;

import dev.viaduct.sys.net.IpPrefix;

/**
 * The address families this speaker exchanges: AFI/SAFI pairs of RFC 4760 §5 (AFI from the IANA address
 * family numbers, SAFI 1 = unicast). IPv4 unicast is also what the classic NLRI and withdrawn-routes fields
 * of an UPDATE carry (RFC 4271 §4.3).
 */
public enum Family {
    IPV4_UNICAST(1, 1, 4),
    IPV6_UNICAST(2, 1, 16);

    private final int afi;
    private final int safi;
    private final int addressBytes;

    Family(int afi, int safi, int addressBytes) {
        this.afi = afi;
        this.safi = safi;
        this.addressBytes = addressBytes;
    }

    public int afi() {
        return afi;
    }

    public int safi() {
        return safi;
    }

    /** Length of a full address of this family in bytes (4 or 16). */
    public int addressBytes() {
        return addressBytes;
    }

    /** Maximum prefix length (32 or 128). */
    public int maxLength() {
        return addressBytes * 8;
    }

    /** The family for an AFI/SAFI pair, or null when this speaker does not speak it. */
    public static Family of(int afi, int safi) {
        if (safi == 1) {
            if (afi == 1) {
                return IPV4_UNICAST;
            }
            if (afi == 2) {
                return IPV6_UNICAST;
            }
        }
        return null;
    }

    /** The unicast family of a prefix. */
    public static Family of(IpPrefix prefix) {
        return prefix.ipv6() ? IPV6_UNICAST : IPV4_UNICAST;
    }

    /**
     * The unicast family of a prefix this speaker originates, matches or keeps as a RIB key, which must be a
     * network: the RIB and policy compare the address words as they are, and NLRI carries only the prefix
     * bits (RFC 4271 §4.3), so a host bit set past the length would make a key no decoded route ever equals.
     */
    public static Family ofNetwork(IpPrefix prefix) {
        if (!prefix.isNetwork()) {
            throw new IllegalArgumentException("prefix: host bits set past /" + prefix.length() + " in " + prefix
                    + " (did you mean " + prefix.network() + "?)");
        }
        return of(prefix);
    }

    /** A prefix of this family from its packed words (see {@link PrefixList}); the words are canonical. */
    public IpPrefix prefix(long hi, long lo, int length) {
        return new IpPrefix(this == IPV6_UNICAST, hi, lo, length);
    }

    /** Configuration spelling: {@code ipv4-unicast}, {@code ipv6-unicast}. */
    public String label() {
        return this == IPV4_UNICAST ? "ipv4-unicast" : "ipv6-unicast";
    }
}
