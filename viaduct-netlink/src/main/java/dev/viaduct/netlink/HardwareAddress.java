package dev.viaduct.netlink;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A link-layer address: 6 bytes for Ethernet (veth, bridge, vxlan), 4 for an ipip tunnel (its local IPv4
 * address), 0..32 in general (MAX_ADDR_LEN). Immutable; the array is copied in and out.
 */
public final class HardwareAddress {
    private static final HexFormat HEX = HexFormat.ofDelimiter(":");
    private final byte[] bytes;

    private HardwareAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    public static HardwareAddress of(byte[] bytes) {
        if (bytes.length > 32) {
            throw new IllegalArgumentException("link-layer address of " + bytes.length + " bytes exceeds MAX_ADDR_LEN 32");
        }
        return new HardwareAddress(bytes.clone());
    }

    /** Parses {@code "ee:ee:ee:ee:ee:ee"} (two hex digits per byte, colon separated). */
    public static HardwareAddress parse(String text) {
        try {
            return of(HEX.parseHex(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a colon-separated hex link-layer address");
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HardwareAddress h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HEX.formatHex(bytes);
    }
}
