package dev.viaduct.netlink.codec;

/**
 * The payload shape of a netlink attribute, and so its length rule. One generic check
 * ({@link #accepts(int)}) validates every attribute of every table; decoders then read values without
 * further bounds checks.
 */
public enum AttributeKind {
    /** {@code u8}: exactly 1 byte. */
    U8(1, 1),
    /** {@code u16} in host byte order: exactly 2 bytes. */
    U16(2, 2),
    /** {@code __be16} (e.g. a UDP port): exactly 2 bytes, network byte order. */
    BE16(2, 2),
    /** {@code u32}/{@code s32}: exactly 4 bytes. */
    U32(4, 4),
    /** {@code u64}: exactly 8 bytes. */
    U64(8, 8),
    /** A NUL-terminated string, possibly without the NUL (the kernel accepts both): at least 0 bytes. */
    STRING(0, Integer.MAX_VALUE),
    /** An IPv4 or IPv6 address: 4 or 16 bytes. */
    IP_ADDRESS(4, 16),
    /** A link-layer address: 0 to 32 bytes (MAX_ADDR_LEN). */
    LINK_ADDRESS(0, 32),
    /** Nested attributes: any length, parsed with the spec's nested table. */
    NESTED(0, Integer.MAX_VALUE),
    /** Opaque bytes of any length (structs the library does not interpret, or variable layouts). */
    BYTES(0, Integer.MAX_VALUE);

    private final int min;
    private final int max;

    AttributeKind(int min, int max) {
        this.min = min;
        this.max = max;
    }

    /** Whether a payload of {@code length} bytes is valid for this kind. */
    public boolean accepts(int length) {
        if (this == IP_ADDRESS) {
            return length == 4 || length == 16;
        }
        return length >= min && length <= max;
    }

    /** Human-readable length rule for error messages. */
    String rule() {
        return switch (this) {
            case IP_ADDRESS -> "4 or 16";
            case STRING, NESTED, BYTES -> "any";
            case LINK_ADDRESS -> "0..32";
            default -> Integer.toString(min);
        };
    }
}
