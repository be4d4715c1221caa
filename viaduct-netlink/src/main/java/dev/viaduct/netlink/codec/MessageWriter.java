package dev.viaduct.netlink.codec;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one or more netlink messages back to back in a growable buffer (host byte order, as the kernel
 * expects): {@link #begin} a message, write its fixed struct with the raw {@code u8/u16/u32} methods, then
 * its attributes with the {@code attr*} methods (each padded to 4 bytes, as NLA_ALIGN requires), nest with
 * {@link #beginNested}/{@link #endNested}, and {@link #end} the message to fill in {@code nlmsg_len}.
 *
 * <p>Several messages written back to back form a batch that one {@code sendmsg} hands to the kernel,
 * which processes them in order. Not thread-safe: one writer per request in flight.
 */
public final class MessageWriter {
    private byte[] array;
    private ByteBuffer buf;

    public MessageWriter() {
        this(4096);
    }

    public MessageWriter(int initialCapacity) {
        array = new byte[Math.max(64, initialCapacity)];
        buf = ByteBuffer.wrap(array).order(ByteOrder.nativeOrder());
    }

    /** Starts a message; returns its start offset, to be passed to {@link #end}. */
    public int begin(int type, int flags, int seq) {
        ensure(NetlinkHeader.SIZE);
        int start = buf.position();
        new NetlinkHeader(0, type, flags, seq, 0).write(buf);
        return start;
    }

    /** Finishes the message started at {@code start}: writes its length and pads it to 4 bytes. */
    public void end(int start) {
        int len = buf.position() - start;
        buf.putInt(start, len);
        pad();
    }

    public MessageWriter u8(int v) {
        ensure(1);
        buf.put((byte) v);
        return this;
    }

    public MessageWriter u16(int v) {
        ensure(2);
        buf.putShort((short) v);
        return this;
    }

    public MessageWriter u32(int v) {
        ensure(4);
        buf.putInt(v);
        return this;
    }

    public MessageWriter u64(long v) {
        ensure(8);
        buf.putLong(v);
        return this;
    }

    public MessageWriter bytes(byte[] b) {
        ensure(b.length);
        buf.put(b);
        return this;
    }

    public MessageWriter zeros(int n) {
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf.put((byte) 0);
        }
        return this;
    }

    /** Overwrites a u16 at absolute offset {@code at} (for length fields written after their content). */
    public void putU16(int at, int v) {
        buf.putShort(at, (short) v);
    }

    public MessageWriter attrU8(int type, int v) {
        header(type, 1);
        buf.put((byte) v);
        pad();
        return this;
    }

    public MessageWriter attrU16(int type, int v) {
        header(type, 2);
        buf.putShort((short) v);
        pad();
        return this;
    }

    /** A {@code __be16} attribute (e.g. IFLA_VXLAN_PORT). */
    public MessageWriter attrBe16(int type, int v) {
        header(type, 2);
        buf.put((byte) (v >>> 8)).put((byte) v);
        pad();
        return this;
    }

    public MessageWriter attrU32(int type, int v) {
        header(type, 4);
        buf.putInt(v);
        return this;
    }

    public MessageWriter attrU64(int type, long v) {
        header(type, 8);
        buf.putLong(v);
        return this;
    }

    /** A NUL-terminated UTF-8 string attribute (NLA_NUL_STRING / NLA_STRING both accept it). */
    public MessageWriter attrString(int type, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        header(type, b.length + 1);
        buf.put(b).put((byte) 0);
        pad();
        return this;
    }

    public MessageWriter attrBytes(int type, byte[] b) {
        header(type, b.length);
        buf.put(b);
        pad();
        return this;
    }

    public MessageWriter attrAddress(int type, InetAddress a) {
        return attrBytes(type, a.getAddress());
    }

    /**
     * Opens a nested attribute; returns its mark for {@link #endNested}. Like iproute2, NLA_F_NESTED is not
     * set implicitly: rtnetlink's link, route and neighbour policies parse nests either way (nla_parse_deprecated),
     * while a few payloads that look nested are structs (VETH_INFO_PEER). Pass {@code type | NLA_F_NESTED} for
     * policies that demand it.
     */
    public int beginNested(int type) {
        int mark = buf.position();
        header(type, 0);
        return mark;
    }

    /** Closes the nested attribute opened at {@code mark}. */
    public void endNested(int mark) {
        int len = buf.position() - mark;
        if (len > 0xFFFF) {
            throw new IllegalArgumentException("nested attribute of " + len + " bytes exceeds the u16 nla_len");
        }
        buf.putShort(mark, (short) len);
        pad();
    }

    /** Bytes written so far. */
    public int position() {
        return buf.position();
    }

    /** Drops everything after {@code position} (to abandon a half-written message). */
    public void truncate(int position) {
        buf.position(position);
    }

    /** Forgets everything written. */
    public void clear() {
        buf.clear();
    }

    /** The backing array; bytes {@code [0, position())} are the messages written. */
    public byte[] array() {
        return array;
    }

    /** A copy of what was written. */
    public byte[] toByteArray() {
        return Arrays.copyOf(array, buf.position());
    }

    private void header(int type, int payload) {
        int len = Uapi.NLA_HDRLEN + payload;
        if (len > 0xFFFF) {
            throw new IllegalArgumentException("attribute of " + payload + " bytes exceeds the u16 nla_len");
        }
        ensure(Attributes.align(len));
        buf.putShort((short) len).putShort((short) type);
    }

    private void pad() {
        int p = buf.position();
        int aligned = Attributes.align(p);
        ensure(aligned - p);
        while (buf.position() < aligned) {
            buf.put((byte) 0);
        }
    }

    private void ensure(int n) {
        if (buf.remaining() >= n) {
            return;
        }
        int pos = buf.position();
        int cap = Math.max(array.length * 2, pos + n);
        array = Arrays.copyOf(array, cap);
        buf = ByteBuffer.wrap(array).order(ByteOrder.nativeOrder());
        buf.position(pos);
    }
}
