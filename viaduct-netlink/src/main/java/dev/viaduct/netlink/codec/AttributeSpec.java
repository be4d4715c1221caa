package dev.viaduct.netlink.codec;

/**
 * One attribute type of one table: its kernel name (for error messages), its {@link AttributeKind} (and so
 * its length rule), and for nested attributes the table that describes the nest.
 *
 * @param type   attribute type (without NLA_F_NESTED / NLA_F_NET_BYTEORDER)
 * @param name   kernel name, e.g. {@code RTA_GATEWAY}
 * @param kind   payload shape
 * @param nested table of a nested attribute's members, or null
 */
public record AttributeSpec(int type, String name, AttributeKind kind, AttributeTable nested) {
    public AttributeSpec {
        if (type <= 0 || type > Uapi.NLA_TYPE_MASK) {
            throw new IllegalArgumentException("attribute type out of range: " + type);
        }
        if (nested != null && kind != AttributeKind.NESTED) {
            throw new IllegalArgumentException(name + ": only NESTED attributes have a nested table");
        }
    }
}
