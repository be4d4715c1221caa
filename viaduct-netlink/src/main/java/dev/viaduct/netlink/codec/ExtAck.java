package dev.viaduct.netlink.codec;

import java.nio.ByteBuffer;

/**
 * Extended ACK information the kernel attaches to an error or a dump's DONE when the socket enabled
 * NETLINK_EXT_ACK (linux/netlink.h, {@code enum nlmsgerr_attrs}).
 *
 * @param message       NLMSGERR_ATTR_MSG: the kernel's explanation (e.g. "Nexthop has invalid gateway"), or null
 * @param offset        NLMSGERR_ATTR_OFFS: byte offset of the offending attribute from the start of the
 *                      request's nlmsghdr, or -1
 * @param missingType   NLMSGERR_ATTR_MISS_TYPE: type of a required attribute that was missing, or -1
 */
public record ExtAck(String message, int offset, int missingType) {
    public static final ExtAck NONE = new ExtAck(null, -1, -1);

    private static final AttributeTable TABLE = AttributeTable.builder("nlmsgerr_attrs", 6)
            .add(Uapi.NLMSGERR_ATTR_MSG, "NLMSGERR_ATTR_MSG", AttributeKind.STRING)
            .add(Uapi.NLMSGERR_ATTR_OFFS, "NLMSGERR_ATTR_OFFS", AttributeKind.U32)
            .add(Uapi.NLMSGERR_ATTR_COOKIE, "NLMSGERR_ATTR_COOKIE", AttributeKind.BYTES)
            .add(Uapi.NLMSGERR_ATTR_POLICY, "NLMSGERR_ATTR_POLICY", AttributeKind.NESTED)
            .add(Uapi.NLMSGERR_ATTR_MISS_TYPE, "NLMSGERR_ATTR_MISS_TYPE", AttributeKind.U32)
            .add(Uapi.NLMSGERR_ATTR_MISS_NEST, "NLMSGERR_ATTR_MISS_NEST", AttributeKind.U32)
            .build();

    /** Whether the kernel said anything beyond the errno. */
    public boolean present() {
        return message != null || offset >= 0 || missingType >= 0;
    }

    static ExtAck parse(ByteBuffer buf, int from, int to, String context) {
        if (to - from < Uapi.NLA_HDRLEN) {
            return NONE;
        }
        Attributes a = Attributes.parse(buf, from, to, TABLE, context);
        String msg = a.has(Uapi.NLMSGERR_ATTR_MSG) ? a.string(Uapi.NLMSGERR_ATTR_MSG) : null;
        int offs = a.has(Uapi.NLMSGERR_ATTR_OFFS) ? a.u32(Uapi.NLMSGERR_ATTR_OFFS) : -1;
        int miss = a.has(Uapi.NLMSGERR_ATTR_MISS_TYPE) ? a.u32(Uapi.NLMSGERR_ATTR_MISS_TYPE) : -1;
        return msg == null && offs < 0 && miss < 0 ? NONE : new ExtAck(msg, offs, miss);
    }

    /** Writes the TLVs the kernel would (for tests and fakes). */
    void write(MessageWriter w) {
        if (message != null) {
            w.attrString(Uapi.NLMSGERR_ATTR_MSG, message);
        }
        if (offset >= 0) {
            w.attrU32(Uapi.NLMSGERR_ATTR_OFFS, offset);
        }
        if (missingType >= 0) {
            w.attrU32(Uapi.NLMSGERR_ATTR_MISS_TYPE, missingType);
        }
    }
}
