package dev.viaduct.bgp.wire;

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

    /** Configuration spelling: {@code ipv4-unicast}, {@code ipv6-unicast}. */
    public String label() {
        return this == IPV4_UNICAST ? "ipv4-unicast" : "ipv6-unicast";
    }
}
