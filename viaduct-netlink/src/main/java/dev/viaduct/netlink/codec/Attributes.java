package dev.viaduct.netlink.codec;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A parsed run of netlink attributes ({@code struct nlattr}: u16 length including the 4-byte header, u16
 * type, payload padded to 4 bytes), indexed by type.
 *
 * <p>Parsing validates every attribute once against its {@link AttributeTable}: the TLV length must fit
 * the remaining bytes and match the kind's length rule, so a malformed message fails here with a
 * {@link NetlinkDecodeException} naming the attribute. As in the kernel's {@code nla_parse}, a type that
 * appears twice keeps its last value, types above the table's maximum are skipped, and up to 3 trailing
 * bytes of padding are tolerated.
 *
 * <p>An {@code Attributes} is a view over the buffer it was parsed from: decoders copy values out of it
 * immediately and never keep it. Not thread-safe; confined to the decoding thread.
 */
public final class Attributes {
    private final ByteBuffer buf;
    private final AttributeTable table;
    private final String context;
    /** Per type: payload offset + 1 (0 = absent), so a fresh array needs no fill. */
    private final int[] offset;
    private final int[] length;

    private Attributes(ByteBuffer buf, AttributeTable table, String context) {
        this.buf = buf;
        this.table = table;
        this.context = context;
        this.offset = new int[table.maxType() + 1];
        this.length = new int[table.maxType() + 1];
    }

    /**
     * Parses the attributes in {@code buf} between absolute positions {@code from} (inclusive) and
     * {@code to} (exclusive). {@code context} names the enclosing message for error messages.
     */
    public static Attributes parse(ByteBuffer buf, int from, int to, AttributeTable table, String context) {
        if (from < 0 || to > buf.limit() || from > to) {
            throw new NetlinkDecodeException(context + ": attributes span " + from + ".." + to + " outside buffer of "
                    + buf.limit() + " bytes");
        }
        Attributes a = new Attributes(buf.order() == ByteOrder.nativeOrder() ? buf
                : buf.duplicate().order(ByteOrder.nativeOrder()), table, context);
        int pos = from;
        while (to - pos >= Uapi.NLA_HDRLEN) {
            int len = Short.toUnsignedInt(a.buf.getShort(pos));
            int type = Short.toUnsignedInt(a.buf.getShort(pos + 2)) & Uapi.NLA_TYPE_MASK;
            if (len < Uapi.NLA_HDRLEN || len > to - pos) {
                throw new NetlinkDecodeException(context + ": attribute " + table.nameOf(type) + " at offset "
                        + (pos - from) + " has length " + len + " but " + (to - pos) + " bytes remain");
            }
            int payload = len - Uapi.NLA_HDRLEN;
            if (type > 0 && type <= table.maxType()) {
                AttributeSpec spec = table.spec(type);
                if (spec != null && !spec.kind().accepts(payload)) {
                    throw new NetlinkDecodeException(context + ": " + spec.name() + " has " + payload
                            + " payload bytes, expected " + spec.kind().rule());
                }
                a.offset[type] = pos + Uapi.NLA_HDRLEN + 1;
                a.length[type] = payload;
            }
            pos += align(len);
        }
        return a;
    }

    /** Rounds up to the 4-byte attribute alignment (NLA_ALIGN). */
    public static int align(int len) {
        return (len + 3) & ~3;
    }

    /** The table these attributes were parsed with. */
    public AttributeTable table() {
        return table;
    }

    public boolean has(int type) {
        return type > 0 && type < offset.length && offset[type] > 0;
    }

    /** Payload length of {@code type}, or -1 when absent. */
    public int length(int type) {
        return has(type) ? length[type] : -1;
    }

    public int u8(int type) {
        return Byte.toUnsignedInt(buf.get(at(type, 1)));
    }

    public int u8(int type, int absent) {
        return has(type) ? u8(type) : absent;
    }

    public int u16(int type) {
        return Short.toUnsignedInt(buf.getShort(at(type, 2)));
    }

    /** A {@code __be16}, e.g. a UDP port. */
    public int be16(int type) {
        int off = at(type, 2);
        return (Byte.toUnsignedInt(buf.get(off)) << 8) | Byte.toUnsignedInt(buf.get(off + 1));
    }

    /** A {@code u32} as a Java int (callers that need the unsigned value use {@link Integer#toUnsignedLong}). */
    public int u32(int type) {
        return buf.getInt(at(type, 4));
    }

    public int u32(int type, int absent) {
        return has(type) ? u32(type) : absent;
    }

    public long u64(int type) {
        return buf.getLong(at(type, 8));
    }

    /** A string attribute, cut at the first NUL; UTF-8. */
    public String string(int type) {
        int off = at(type, -1);
        int len = length[type];
        int end = off;
        while (end < off + len && buf.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - off];
        buf.get(off, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    public String string(int type, String absent) {
        return has(type) ? string(type) : absent;
    }

    public byte[] bytes(int type) {
        int off = at(type, -1);
        byte[] b = new byte[length[type]];
        buf.get(off, b);
        return b;
    }

    /** An IPv4 (4 bytes) or IPv6 (16 bytes) address; an IPv4-mapped IPv6 address stays an Inet6Address. */
    public InetAddress address(int type) {
        int len = length(type);
        if (len != 4 && len != 16) {
            throw new NetlinkDecodeException(context + ": " + table.nameOf(type)
                    + (len < 0 ? " missing" : " has " + len + " bytes, expected an IPv4 or IPv6 address"));
        }
        return toAddress(bytes(type), context + ": " + table.nameOf(type));
    }

    /** Like {@link #address(int)} but also checks the family: 4 bytes for AF_INET, 16 for AF_INET6. */
    public InetAddress address(int type, int family) {
        InetAddress a = address(type);
        int expected = family == Uapi.AF_INET ? 4 : 16;
        if (a.getAddress().length != expected) {
            throw new NetlinkDecodeException(context + ": " + table.nameOf(type) + " has "
                    + a.getAddress().length + " bytes but the message family needs " + expected);
        }
        return a;
    }

    /** The nested attributes of {@code type}, parsed with the spec's nested table (or {@code nestedTable}). */
    public Attributes nested(int type) {
        AttributeSpec spec = table.spec(type);
        if (spec == null || spec.nested() == null) {
            throw new IllegalStateException(table.nameOf(type) + " is not described as nested in " + table.name());
        }
        return nested(type, spec.nested());
    }

    /** The nested attributes of {@code type}, parsed with {@code nestedTable}. */
    public Attributes nested(int type, AttributeTable nestedTable) {
        int off = at(type, -1);
        return parse(buf, off, off + length[type], nestedTable, context + "/" + table.nameOf(type));
    }

    /** Absolute buffer offset of {@code type}'s payload (for callers that walk a struct array inside it). */
    public int offset(int type) {
        return at(type, -1);
    }

    /** The buffer these attributes view (native byte order, absolute indexing). */
    public ByteBuffer buffer() {
        return buf;
    }

    /** Context string for error messages of callers decoding inside an attribute. */
    public String context(int type) {
        return context + ": " + table.nameOf(type);
    }

    private int at(int type, int expectedLength) {
        if (!has(type)) {
            throw new NetlinkDecodeException(context + ": " + table.nameOf(type) + " missing");
        }
        if (expectedLength >= 0 && length[type] != expectedLength) {
            throw new NetlinkDecodeException(context + ": " + table.nameOf(type) + " has " + length[type]
                    + " bytes, expected " + expectedLength);
        }
        return offset[type] - 1;
    }

    /** Converts 4 or 16 bytes to an address without any name lookup. */
    public static InetAddress toAddress(byte[] b, String what) {
        try {
            if (b.length == 4) {
                return InetAddress.getByAddress(b);
            }
            if (b.length == 16) {
                return Inet6Address.getByAddress(null, b, null);
            }
        } catch (UnknownHostException e) {
            // cannot happen for 4/16 bytes; fall through to the decode error
        }
        throw new NetlinkDecodeException(what + ": " + b.length + " bytes is not an IPv4 or IPv6 address");
    }
}
