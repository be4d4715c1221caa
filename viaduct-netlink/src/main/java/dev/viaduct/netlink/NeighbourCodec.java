package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Attributes;
import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.Uapi;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * {@link Neighbour} to and from {@code struct ndmsg} {family: u8, pad1: u8, pad2: u16, ifindex: s32,
 * state: u16, flags: u8, type: u8} + NDA_* (linux/neighbour.h). Pure. For AF_BRIDGE (FDB) entries NDA_DST is
 * the remote VTEP and may be of either IP family.
 */
final class NeighbourCodec {
    private NeighbourCodec() {
    }

    static void encodeBody(MessageWriter w, Neighbour n) {
        w.u8(n.family().code()).u8(0).u16(0).u32(n.ifindex()).u16(n.state()).u8(n.flags()).u8(0);
        if (n.destination() != null) {
            w.attrAddress(Uapi.NDA_DST, n.destination());
        }
        if (n.linkAddress() != null) {
            w.attrBytes(Uapi.NDA_LLADDR, n.linkAddress().bytes());
        }
        if (n.vni() >= 0) {
            w.attrU32(Uapi.NDA_VNI, n.vni());
        }
        if (n.master() > 0) {
            w.attrU32(Uapi.NDA_MASTER, n.master());
        }
    }

    static Neighbour decode(ByteBuffer body, String context) {
        if (body.limit() < Uapi.NDMSG_SIZE) {
            throw new NetlinkDecodeException(context + ": " + body.limit() + " bytes, struct ndmsg needs " + Uapi.NDMSG_SIZE);
        }
        int family = Byte.toUnsignedInt(body.get(0));
        int ifindex = body.getInt(4);
        int state = Short.toUnsignedInt(body.getShort(8));
        int flags = Byte.toUnsignedInt(body.get(10));
        AddressFamily f = AddressFamily.decode(family, context);
        Attributes a = Attributes.parse(body, Uapi.NDMSG_SIZE, body.limit(), Tables.NEIGHBOUR, context);
        try {
            InetAddress dst = null;
            if (a.has(Uapi.NDA_DST)) {
                dst = f == AddressFamily.BRIDGE ? a.address(Uapi.NDA_DST) : a.address(Uapi.NDA_DST, family);
            }
            HardwareAddress ll = a.has(Uapi.NDA_LLADDR) ? HardwareAddress.of(a.bytes(Uapi.NDA_LLADDR)) : null;
            int vni = a.has(Uapi.NDA_VNI) ? a.u32(Uapi.NDA_VNI) : -1;
            int master = a.u32(Uapi.NDA_MASTER, 0);
            return new Neighbour(f, ifindex, dst, ll, state, flags, vni, master);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new NetlinkDecodeException(context + ": " + e.getMessage());
        }
    }
}
