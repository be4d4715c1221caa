package dev.viaduct.netlink.codec;

import java.nio.ByteBuffer;

/**
 * {@code struct nlmsghdr} (linux/netlink.h): total length including this 16-byte header, message type,
 * flags, sequence number and sender port id. Fields are host byte order on the wire.
 *
 * @param length total message length in bytes, header included (u32, at least 16)
 * @param type   message type: NLMSG_* control types below 16, RTM_* above
 * @param flags  NLM_F_* flags (u16)
 * @param seq    sequence number chosen by the requester and echoed by the kernel (u32)
 * @param portId port id of the sender; 0 for the kernel (u32)
 */
public record NetlinkHeader(int length, int type, int flags, int seq, int portId) {
    public static final int SIZE = Uapi.NLMSG_HDRLEN;

    public NetlinkHeader {
        if (type < 0 || type > 0xFFFF) {
            throw new IllegalArgumentException("nlmsg_type out of range: " + type);
        }
        if (flags < 0 || flags > 0xFFFF) {
            throw new IllegalArgumentException("nlmsg_flags out of range: " + flags);
        }
    }

    /** Reads a header at the buffer's position (advancing it); requires 16 readable bytes. */
    static NetlinkHeader read(ByteBuffer buf) {
        if (buf.remaining() < SIZE) {
            throw new NetlinkDecodeException("nlmsghdr: " + buf.remaining() + " bytes left, need " + SIZE);
        }
        int length = buf.getInt();
        int type = Short.toUnsignedInt(buf.getShort());
        int flags = Short.toUnsignedInt(buf.getShort());
        int seq = buf.getInt();
        int pid = buf.getInt();
        return new NetlinkHeader(length, type, flags, seq, pid);
    }

    /** Writes this header at the buffer's position. */
    public void write(ByteBuffer buf) {
        buf.putInt(length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(portId);
    }

    /** Whether {@code flag} (an NLM_F_* bit) is set. */
    public boolean has(int flag) {
        return (flags & flag) == flag;
    }
}
