package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Attributes;
import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Route} to and from {@code struct rtmsg} + RTA_* (linux/rtnetlink.h). Pure: no I/O, no state.
 *
 * <p>Layout: rtmsg is {family, dst_len, src_len, tos, table, protocol, scope, type: u8; flags: u32} (12
 * bytes), then attributes. The table goes in both rtm_table (when below 256) and RTA_TABLE (u32), as
 * iproute2 does. A single path is RTA_GATEWAY (or RTA_VIA when the gateway's family differs, RFC 5549) +
 * RTA_OIF with its RTNH_F_* flags in rtm_flags; several paths are RTA_MULTIPATH, an array of
 * {@code struct rtnexthop} {u16 len, u8 flags, u8 hops (weight - 1), s32 ifindex} each followed by its own
 * attributes, every element aligned to 4 bytes (RTNH_ALIGN).
 */
final class RouteCodec {
    private RouteCodec() {
    }

    /** Writes the rtmsg and attributes of {@code r} for RTM_NEWROUTE (or RTM_DELROUTE when {@code delete}). */
    static void encodeBody(MessageWriter w, Route r, boolean delete) {
        int family = r.family().code();
        int flags = 0;
        boolean multipath = r.nexthops().size() > 1
                || (r.nexthops().size() == 1 && r.nexthops().getFirst().weight() != 1);
        if (r.nexthops().size() == 1 && !multipath) {
            flags = r.nexthops().getFirst().flags();
        }
        w.u8(family).u8(r.destination().length()).u8(0).u8(0)
                .u8(Integer.compareUnsigned(r.table(), 256) < 0 ? r.table() : Uapi.RT_TABLE_UNSPEC)
                .u8(r.protocol().code())
                // RTM_DELROUTE with RT_SCOPE_NOWHERE matches a route of any scope (fib_table_delete), as ip does.
                .u8(delete ? Uapi.RT_SCOPE_NOWHERE : r.scope().code())
                .u8(r.type().code())
                .u32(flags);
        w.attrU32(Uapi.RTA_TABLE, r.table());
        w.attrBytes(Uapi.RTA_DST, r.destination().addressBytes());
        if (multipath) {
            int mp = w.beginNested(Uapi.RTA_MULTIPATH);
            for (Nexthop n : r.nexthops()) {
                int start = w.position();
                w.u16(0).u8(n.flags()).u8(n.weight() - 1).u32(n.ifindex());
                writeGateway(w, n.gateway(), family);
                w.putU16(start, w.position() - start);
            }
            w.endNested(mp);
        } else if (r.nexthops().size() == 1) {
            Nexthop n = r.nexthops().getFirst();
            writeGateway(w, n.gateway(), family);
            if (n.ifindex() != 0) {
                w.attrU32(Uapi.RTA_OIF, n.ifindex());
            }
        }
        if (r.preferredSource() != null) {
            w.attrAddress(Uapi.RTA_PREFSRC, r.preferredSource());
        }
        if (r.metric() != 0) {
            w.attrU32(Uapi.RTA_PRIORITY, (int) r.metric());
        }
    }

    private static void writeGateway(MessageWriter w, InetAddress gw, int routeFamily) {
        if (gw == null) {
            return;
        }
        int gwFamily = AddressFamily.of(gw).code();
        if (gwFamily == routeFamily) {
            w.attrAddress(Uapi.RTA_GATEWAY, gw);
        } else {
            // struct rtvia { __kernel_sa_family_t rtvia_family (u16); u8 rtvia_addr[]; }
            byte[] a = gw.getAddress();
            byte[] via = new byte[2 + a.length];
            via[0] = (byte) gwFamily;
            via[1] = (byte) (gwFamily >>> 8);
            System.arraycopy(a, 0, via, 2, a.length);
            if (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN) {
                via[0] = (byte) (gwFamily >>> 8);
                via[1] = (byte) gwFamily;
            }
            w.attrBytes(Uapi.RTA_VIA, via);
        }
    }

    /** Decodes an RTM_NEWROUTE/RTM_DELROUTE body (the bytes after nlmsghdr). */
    static Route decode(ByteBuffer body, String context) {
        if (body.limit() < Uapi.RTMSG_SIZE) {
            throw new NetlinkDecodeException(context + ": " + body.limit() + " bytes, struct rtmsg needs " + Uapi.RTMSG_SIZE);
        }
        int family = Byte.toUnsignedInt(body.get(0));
        int dstLen = Byte.toUnsignedInt(body.get(1));
        int rtTable = Byte.toUnsignedInt(body.get(4));
        int protocol = Byte.toUnsignedInt(body.get(5));
        int scope = Byte.toUnsignedInt(body.get(6));
        int type = Byte.toUnsignedInt(body.get(7));
        int rtFlags = body.getInt(8);
        if (family != Uapi.AF_INET && family != Uapi.AF_INET6) {
            throw new NetlinkDecodeException(context + ": rtm_family " + family + " is neither AF_INET nor AF_INET6");
        }
        int maxLen = family == Uapi.AF_INET ? 32 : 128;
        if (dstLen > maxLen) {
            throw new NetlinkDecodeException(context + ": rtm_dst_len " + dstLen + " exceeds " + maxLen);
        }
        Attributes a = Attributes.parse(body, Uapi.RTMSG_SIZE, body.limit(), Tables.ROUTE, context);
        try {
            InetAddress dst = a.has(Uapi.RTA_DST) ? a.address(Uapi.RTA_DST, family)
                    : IpAddresses.of(new byte[family == Uapi.AF_INET ? 4 : 16]);
            int table = a.has(Uapi.RTA_TABLE) ? a.u32(Uapi.RTA_TABLE) : rtTable;
            RouteType routeType = RouteType.decode(type, context);
            List<Nexthop> nexthops = List.of();
            if (routeType.hasNexthops()) {
                if (a.has(Uapi.RTA_MULTIPATH)) {
                    List<Nexthop> paths = new ArrayList<>(4);
                    decodeMultipath(a, family, paths);
                    nexthops = paths;
                } else {
                    InetAddress gw = gateway(a, family);
                    int oif = a.u32(Uapi.RTA_OIF, 0);
                    if (gw != null || oif != 0) {
                        nexthops = List.of(new Nexthop(gw, oif, rtFlags & 0xFF, 1));
                    }
                }
            }
            InetAddress src = a.has(Uapi.RTA_PREFSRC) ? a.address(Uapi.RTA_PREFSRC, family) : null;
            long metric = a.has(Uapi.RTA_PRIORITY) ? Integer.toUnsignedLong(a.u32(Uapi.RTA_PRIORITY)) : 0;
            return new Route(IpPrefix.of(dst, dstLen), table, routeType, RouteProtocol.of(protocol),
                    RouteScope.of(scope), nexthops, src, metric);
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException(context + ": " + e.getMessage());
        }
    }

    private static InetAddress gateway(Attributes a, int family) {
        if (a.has(Uapi.RTA_GATEWAY)) {
            return a.address(Uapi.RTA_GATEWAY, family);
        }
        if (a.has(Uapi.RTA_VIA)) {
            byte[] v = a.bytes(Uapi.RTA_VIA);
            if (v.length != 2 + 4 && v.length != 2 + 16) {
                throw new NetlinkDecodeException(a.context(Uapi.RTA_VIA) + ": " + v.length + " bytes is not a struct rtvia");
            }
            int viaFamily = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN
                    ? ((v[0] & 0xFF) << 8) | (v[1] & 0xFF) : ((v[1] & 0xFF) << 8) | (v[0] & 0xFF);
            int expected = v.length == 6 ? Uapi.AF_INET : Uapi.AF_INET6;
            if (viaFamily != expected) {
                throw new NetlinkDecodeException(a.context(Uapi.RTA_VIA) + ": family " + viaFamily + " with "
                        + (v.length - 2) + " address bytes");
            }
            byte[] addr = new byte[v.length - 2];
            System.arraycopy(v, 2, addr, 0, addr.length);
            return IpAddresses.of(addr);
        }
        return null;
    }

    private static void decodeMultipath(Attributes a, int family, List<Nexthop> out) {
        ByteBuffer b = a.buffer();
        int pos = a.offset(Uapi.RTA_MULTIPATH);
        int end = pos + a.length(Uapi.RTA_MULTIPATH);
        String context = a.context(Uapi.RTA_MULTIPATH);
        while (end - pos >= Uapi.RTNEXTHOP_SIZE) {
            int len = Short.toUnsignedInt(b.getShort(pos));
            if (len < Uapi.RTNEXTHOP_SIZE || len > end - pos) {
                throw new NetlinkDecodeException(context + ": rtnexthop at offset " + (pos - a.offset(Uapi.RTA_MULTIPATH))
                        + " has rtnh_len " + len + " but " + (end - pos) + " bytes remain");
            }
            int flags = Byte.toUnsignedInt(b.get(pos + 2));
            int hops = Byte.toUnsignedInt(b.get(pos + 3));
            int ifindex = b.getInt(pos + 4);
            Attributes inner = Attributes.parse(b, pos + Uapi.RTNEXTHOP_SIZE, pos + len, Tables.ROUTE, context);
            out.add(new Nexthop(gateway(inner, family), ifindex, flags, hops + 1));
            pos += Attributes.align(len);
        }
    }
}
