package dev.viaduct.netlink.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One netlink message as received: a control message (linux/netlink.h NLMSG_*) or a payload message whose
 * body a family-specific decoder interprets. {@link #decode} reads one message and advances the buffer,
 * so a datagram holding many messages (a dump chunk, a batch's errors) is walked with
 * {@code while (buf.hasRemaining()) NetlinkMessage.decode(buf)}.
 */
public sealed interface NetlinkMessage {

    NetlinkHeader header();

    /**
     * NLMSG_ERROR: an error, or with {@code errno == 0} an acknowledgement. The kernel sends it for a failed
     * request always, and for a successful one only when the request had NLM_F_ACK.
     *
     * @param errno   positive errno ({@code nlmsgerr.error} is its negation), 0 for an ACK
     * @param request the header of the request this answers (echoed by the kernel)
     * @param extAck  extended ACK attributes, {@link ExtAck#NONE} if none
     */
    record Error(NetlinkHeader header, int errno, NetlinkHeader request, ExtAck extAck) implements NetlinkMessage {
        public boolean isAck() {
            return errno == 0;
        }

        /** Encodes an NLMSG_ERROR as the kernel does with NETLINK_CAP_ACK (for tests and fakes). */
        public static void write(MessageWriter w, int seq, int errno, NetlinkHeader request, ExtAck extAck) {
            int flags = Uapi.NLM_F_CAPPED | (extAck.present() ? Uapi.NLM_F_ACK_TLVS : 0);
            int start = w.begin(Uapi.NLMSG_ERROR, flags, seq);
            w.u32(-errno);
            w.u32(request.length()).u16(request.type()).u16(request.flags()).u32(request.seq()).u32(request.portId());
            extAck.write(w);
            w.end(start);
        }
    }

    /**
     * NLMSG_DONE: the end of a multi-part dump. Since Linux 4.x its payload is an int: 0, or a negative errno
     * when the dump failed part-way (with extended ACK attributes after it).
     */
    record Done(NetlinkHeader header, int errno, ExtAck extAck) implements NetlinkMessage {
    }

    /** NLMSG_NOOP: nothing; the kernel never sends it, a peer might. */
    record Noop(NetlinkHeader header) implements NetlinkMessage {
    }

    /** NLMSG_OVERRUN: data lost (reserved by the kernel, never sent today). */
    record Overrun(NetlinkHeader header) implements NetlinkMessage {
    }

    /**
     * Any message of type 16 or more (RTM_*). {@code body} is a view (position 0, native byte order) of the
     * bytes after the header, valid until the receive buffer is reused: decode it before receiving again, and
     * do not write to it.
     */
    record Payload(NetlinkHeader header, ByteBuffer body) implements NetlinkMessage {
    }

    /**
     * Decodes the message at {@code buf}'s position and advances past it (and its alignment padding).
     *
     * @throws NetlinkDecodeException if the header or a control message's payload is malformed
     */
    static NetlinkMessage decode(ByteBuffer buf) {
        ByteBuffer b = buf.order() == ByteOrder.nativeOrder() ? buf : buf.duplicate().order(ByteOrder.nativeOrder());
        int start = buf.position();
        b.position(start);
        NetlinkHeader h = NetlinkHeader.read(b);
        if (h.length() < NetlinkHeader.SIZE || h.length() > buf.limit() - start) {
            throw new NetlinkDecodeException("nlmsghdr at offset " + start + ": nlmsg_len " + Integer.toUnsignedString(h.length())
                    + " outside 16.." + (buf.limit() - start));
        }
        int end = start + h.length();
        buf.position(Math.min(buf.limit(), start + Attributes.align(h.length())));
        return switch (h.type()) {
            case Uapi.NLMSG_NOOP -> new Noop(h);
            case Uapi.NLMSG_OVERRUN -> new Overrun(h);
            case Uapi.NLMSG_DONE -> {
                if (end - (start + NetlinkHeader.SIZE) < 4) {
                    yield new Done(h, 0, ExtAck.NONE);
                }
                int err = b.getInt(start + NetlinkHeader.SIZE);
                ExtAck ack = h.has(Uapi.NLM_F_ACK_TLVS)
                        ? ExtAck.parse(b, start + NetlinkHeader.SIZE + 4, end, "NLMSG_DONE extended ack")
                        : ExtAck.NONE;
                yield new Done(h, errnoOf(err, h), ack);
            }
            case Uapi.NLMSG_ERROR -> decodeError(b, h, start, end);
            default -> {
                if (h.type() < Uapi.NLMSG_MIN_TYPE) {
                    throw new NetlinkDecodeException(context(h) + ": reserved control message type");
                }
                ByteBuffer body = b.slice(start + NetlinkHeader.SIZE, h.length() - NetlinkHeader.SIZE)
                        .order(ByteOrder.nativeOrder());
                yield new Payload(h, body);
            }
        };
    }

    /** Names a message in decode errors; built only when there is an error to report. */
    private static String context(NetlinkHeader h) {
        return "nlmsg type " + h.type() + " seq " + Integer.toUnsignedString(h.seq());
    }

    private static Error decodeError(ByteBuffer b, NetlinkHeader h, int start, int end) {
        int p = start + NetlinkHeader.SIZE;
        if (end - p < 4 + NetlinkHeader.SIZE) {
            throw new NetlinkDecodeException(context(h) + ": NLMSG_ERROR payload of " + (end - p)
                    + " bytes, need 20 (struct nlmsgerr)");
        }
        int err = b.getInt(p);
        ByteBuffer echoed = b.duplicate().order(ByteOrder.nativeOrder()).position(p + 4);
        NetlinkHeader request = NetlinkHeader.read(echoed);
        int tlvStart = p + 4 + NetlinkHeader.SIZE;
        // Without NLM_F_CAPPED the whole failed request is echoed after struct nlmsgerr (errors only: an ACK
        // always carries just the header), and the extended-ACK TLVs follow it.
        if (err != 0 && !h.has(Uapi.NLM_F_CAPPED)) {
            long echoedLen = Integer.toUnsignedLong(request.length());
            if (echoedLen < NetlinkHeader.SIZE || echoedLen > end - (p + 4)) {
                throw new NetlinkDecodeException(context(h) + ": echoed request length " + echoedLen
                        + " does not fit the NLMSG_ERROR payload");
            }
            tlvStart = p + 4 + Attributes.align((int) echoedLen);
        }
        ExtAck ack = h.has(Uapi.NLM_F_ACK_TLVS) && tlvStart < end
                ? ExtAck.parse(b, tlvStart, end, "NLMSG_ERROR extended ack")
                : ExtAck.NONE;
        return new Error(h, errnoOf(err, h), request, ack);
    }

    private static int errnoOf(int err, NetlinkHeader h) {
        if (err > 0 || err == Integer.MIN_VALUE) {
            throw new NetlinkDecodeException(context(h) + ": error code " + err + " is not a negative errno or 0");
        }
        return -err;
    }
}
