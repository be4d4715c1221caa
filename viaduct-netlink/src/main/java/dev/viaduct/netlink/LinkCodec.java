package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Attributes;
import dev.viaduct.netlink.codec.MessageWriter;
import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Links to and from {@code struct ifinfomsg} {family: u8, pad: u8, type: u16, index: s32, flags: u32,
 * change: u32} + IFLA_* (linux/rtnetlink.h, linux/if_link.h). Pure.
 *
 * <p>Creation requests nest the kind under IFLA_LINKINFO → IFLA_INFO_KIND / IFLA_INFO_DATA. A veth's peer
 * is VETH_INFO_PEER inside IFLA_INFO_DATA: a whole {@code struct ifinfomsg} followed by the peer's own IFLA_*
 * attributes, including its IFLA_NET_NS_FD (linux/veth.h; drivers/net/veth.c veth_newlink). IFF_UP can be
 * set at creation through ifi_flags/ifi_change, which rtnl_configure_link applies once the device exists.
 */
final class LinkCodec {
    private LinkCodec() {
    }

    // ---- requests ----

    /** RTM_NEWLINK body creating {@code spec}; target namespaces are passed by their open fd. */
    static void encodeCreate(MessageWriter w, LinkSpec spec) {
        LinkSettings s = spec.settings();
        ifinfomsg(w, 0, s.up());
        settings(w, s);
        int info = w.beginNested(Uapi.IFLA_LINKINFO);
        switch (spec) {
            case LinkSpec.Veth v -> {
                w.attrString(Uapi.IFLA_INFO_KIND, "veth");
                int data = w.beginNested(Uapi.IFLA_INFO_DATA);
                int peer = w.beginNested(Uapi.VETH_INFO_PEER);
                ifinfomsg(w, 0, false); // see LinkSpec.Veth: an up peer is opened by a follow-up RTM_SETLINK
                settings(w, v.peer());
                w.endNested(peer);
                w.endNested(data);
            }
            case LinkSpec.Bridge b -> w.attrString(Uapi.IFLA_INFO_KIND, "bridge");
            case LinkSpec.Vxlan x -> {
                w.attrString(Uapi.IFLA_INFO_KIND, "vxlan");
                int data = w.beginNested(Uapi.IFLA_INFO_DATA);
                w.attrU32(Uapi.IFLA_VXLAN_ID, x.vni());
                if (x.local() != null) {
                    w.attrAddress(x.local() instanceof Inet4Address ? Uapi.IFLA_VXLAN_LOCAL : Uapi.IFLA_VXLAN_LOCAL6, x.local());
                }
                if (x.underlay() != 0) {
                    w.attrU32(Uapi.IFLA_VXLAN_LINK, x.underlay());
                }
                w.attrBe16(Uapi.IFLA_VXLAN_PORT, x.port());
                w.attrU8(Uapi.IFLA_VXLAN_LEARNING, x.learning() ? 1 : 0);
                w.endNested(data);
            }
            case LinkSpec.Ipip i -> {
                w.attrString(Uapi.IFLA_INFO_KIND, "ipip");
                int data = w.beginNested(Uapi.IFLA_INFO_DATA);
                if (i.underlay() != 0) {
                    w.attrU32(Uapi.IFLA_IPTUN_LINK, i.underlay());
                }
                if (i.local() != null) {
                    w.attrAddress(Uapi.IFLA_IPTUN_LOCAL, i.local());
                }
                if (i.remote() != null) {
                    w.attrAddress(Uapi.IFLA_IPTUN_REMOTE, i.remote());
                }
                if (i.ttl() != 0) {
                    w.attrU8(Uapi.IFLA_IPTUN_TTL, i.ttl());
                }
                w.endNested(data);
            }
        }
        w.endNested(info);
    }

    private static void ifinfomsg(MessageWriter w, int index, boolean up) {
        int f = up ? Uapi.IFF_UP : 0;
        w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(index).u32(f).u32(f);
    }

    private static void settings(MessageWriter w, LinkSettings s) {
        w.attrString(Uapi.IFLA_IFNAME, s.name());
        if (s.mtu() != 0) {
            w.attrU32(Uapi.IFLA_MTU, s.mtu());
        }
        if (s.address() != null) {
            w.attrBytes(Uapi.IFLA_ADDRESS, s.address().bytes());
        }
        if (s.namespace() != null) {
            w.attrU32(Uapi.IFLA_NET_NS_FD, s.namespace().fd());
        }
    }

    /** RTM_SETLINK body bringing the link called {@code name} up (looked up by IFLA_IFNAME, ifi_index 0). */
    static void encodeUpByName(MessageWriter w, String name) {
        ifinfomsg(w, 0, true);
        w.attrString(Uapi.IFLA_IFNAME, name);
    }

    /** RTM_SETLINK body applying {@code u} to link {@code index}. */
    static void encodeUpdate(MessageWriter w, int index, LinkUpdate u) {
        int change = u.up() != null ? Uapi.IFF_UP : 0;
        int flags = Boolean.TRUE.equals(u.up()) ? Uapi.IFF_UP : 0;
        w.u8(Uapi.AF_UNSPEC).u8(0).u16(0).u32(index).u32(flags).u32(change);
        if (u.mtu() != null) {
            w.attrU32(Uapi.IFLA_MTU, u.mtu());
        }
        if (u.address() != null) {
            w.attrBytes(Uapi.IFLA_ADDRESS, u.address().bytes());
        }
        if (u.name() != null) {
            w.attrString(Uapi.IFLA_IFNAME, u.name());
        }
        if (u.master() != null) {
            w.attrU32(Uapi.IFLA_MASTER, u.master());
        }
        if (u.namespace() != null) {
            w.attrU32(Uapi.IFLA_NET_NS_FD, u.namespace().fd());
        }
        if (u.group() != null) {
            w.attrU32(Uapi.IFLA_GROUP, u.group());
        }
        if (!u.ipv4Conf().isEmpty()) {
            // IFLA_AF_SPEC → AF_INET → IFLA_INET_CONF → one u32 attribute per IPV4_DEVCONF index
            // (net/ipv4/devinet.c inet_set_link_af).
            int spec = w.beginNested(Uapi.IFLA_AF_SPEC);
            int inet = w.beginNested(Uapi.AF_INET);
            int conf = w.beginNested(Uapi.IFLA_INET_CONF);
            for (Map.Entry<Ipv4Conf, Integer> e : u.ipv4Conf().entrySet()) {
                w.attrU32(e.getKey().index(), e.getValue());
            }
            w.endNested(conf);
            w.endNested(inet);
            w.endNested(spec);
        }
    }

    // ---- the kernel's RTM_NEWLINK ----

    /** Writes {@code l} as the kernel reports it (for round-trip tests and fakes). */
    static void encodeBody(MessageWriter w, Link l) {
        w.u8(Uapi.AF_UNSPEC).u8(0).u16(l.hardwareType()).u32(l.index()).u32(l.flags()).u32(0);
        w.attrString(Uapi.IFLA_IFNAME, l.name());
        w.attrU32(Uapi.IFLA_MTU, l.mtu());
        if (l.address() != null) {
            w.attrBytes(Uapi.IFLA_ADDRESS, l.address().bytes());
        }
        w.attrU8(Uapi.IFLA_OPERSTATE, l.operState().code());
        if (l.masterIndex() != 0) {
            w.attrU32(Uapi.IFLA_MASTER, l.masterIndex());
        }
        if (l.parentIndex() != 0) {
            w.attrU32(Uapi.IFLA_LINK, l.parentIndex());
        }
        if (l.linkNetnsId() >= 0) {
            w.attrU32(Uapi.IFLA_LINK_NETNSID, l.linkNetnsId());
        }
        if (l.group() != 0) {
            w.attrU32(Uapi.IFLA_GROUP, l.group());
        }
        if (!(l.info() instanceof LinkInfo.None)) {
            int info = w.beginNested(Uapi.IFLA_LINKINFO);
            w.attrString(Uapi.IFLA_INFO_KIND, l.info().kind());
            switch (l.info()) {
                case LinkInfo.Vxlan x -> {
                    int data = w.beginNested(Uapi.IFLA_INFO_DATA);
                    w.attrU32(Uapi.IFLA_VXLAN_ID, x.vni());
                    if (x.group() != null) {
                        w.attrAddress(x.group() instanceof Inet4Address ? Uapi.IFLA_VXLAN_GROUP : Uapi.IFLA_VXLAN_GROUP6, x.group());
                    }
                    if (x.local() != null) {
                        w.attrAddress(x.local() instanceof Inet4Address ? Uapi.IFLA_VXLAN_LOCAL : Uapi.IFLA_VXLAN_LOCAL6, x.local());
                    }
                    if (x.underlay() != 0) {
                        w.attrU32(Uapi.IFLA_VXLAN_LINK, x.underlay());
                    }
                    w.attrU8(Uapi.IFLA_VXLAN_TTL, x.ttl());
                    w.attrU8(Uapi.IFLA_VXLAN_LEARNING, x.learning() ? 1 : 0);
                    w.attrBe16(Uapi.IFLA_VXLAN_PORT, x.port());
                    w.endNested(data);
                }
                case LinkInfo.Ipip i -> {
                    int data = w.beginNested(Uapi.IFLA_INFO_DATA);
                    w.attrU32(Uapi.IFLA_IPTUN_LINK, i.underlay());
                    w.attrAddress(Uapi.IFLA_IPTUN_LOCAL, i.local() != null ? i.local() : IpAddresses.of(new byte[4]));
                    w.attrAddress(Uapi.IFLA_IPTUN_REMOTE, i.remote() != null ? i.remote() : IpAddresses.of(new byte[4]));
                    w.attrU8(Uapi.IFLA_IPTUN_TTL, i.ttl());
                    w.attrU8(Uapi.IFLA_IPTUN_PMTUDISC, i.pmtudisc() ? 1 : 0);
                    w.endNested(data);
                }
                case LinkInfo.Veth v -> {
                }
                case LinkInfo.Bridge b -> {
                }
                case LinkInfo.Other o -> {
                }
                case LinkInfo.None n -> {
                }
            }
            w.endNested(info);
        }
        if (!l.ipv4Conf().isEmpty()) {
            int spec = w.beginNested(Uapi.IFLA_AF_SPEC);
            int inet = w.beginNested(Uapi.AF_INET);
            byte[] conf = new byte[4 * l.ipv4Conf().size()];
            ByteBuffer b = ByteBuffer.wrap(conf).order(ByteOrder.nativeOrder());
            l.ipv4Conf().forEach(b::putInt);
            w.attrBytes(Uapi.IFLA_INET_CONF, conf);
            w.endNested(inet);
            w.endNested(spec);
        }
    }

    static Link decode(ByteBuffer body, String context) {
        if (body.limit() < Uapi.IFINFOMSG_SIZE) {
            throw new NetlinkDecodeException(context + ": " + body.limit() + " bytes, struct ifinfomsg needs " + Uapi.IFINFOMSG_SIZE);
        }
        int type = Short.toUnsignedInt(body.getShort(2));
        int index = body.getInt(4);
        int flags = body.getInt(8);
        Attributes a = Attributes.parse(body, Uapi.IFINFOMSG_SIZE, body.limit(), Tables.LINK, context);
        if (!a.has(Uapi.IFLA_IFNAME)) {
            throw new NetlinkDecodeException(context + ": link #" + index + " without IFLA_IFNAME");
        }
        try {
            String name = a.string(Uapi.IFLA_IFNAME);
            HardwareAddress mac = a.has(Uapi.IFLA_ADDRESS) ? HardwareAddress.of(a.bytes(Uapi.IFLA_ADDRESS)) : null;
            OperState oper = OperState.decode(a.u8(Uapi.IFLA_OPERSTATE, 0), context);
            LinkInfo info = a.has(Uapi.IFLA_LINKINFO) ? linkInfo(a.nested(Uapi.IFLA_LINKINFO)) : new LinkInfo.None();
            List<Integer> conf = a.has(Uapi.IFLA_AF_SPEC) ? ipv4Conf(a.nested(Uapi.IFLA_AF_SPEC)) : List.of();
            int netnsId = a.has(Uapi.IFLA_LINK_NETNSID) ? a.u32(Uapi.IFLA_LINK_NETNSID) : -1;
            return new Link(index, name, info, flags, a.u32(Uapi.IFLA_MTU, 0), mac, oper, a.u32(Uapi.IFLA_MASTER, 0),
                    a.u32(Uapi.IFLA_LINK, 0), netnsId < 0 ? -1 : netnsId, type, conf, a.u32(Uapi.IFLA_GROUP, 0));
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException(context + ": " + e.getMessage());
        }
    }

    private static LinkInfo linkInfo(Attributes info) {
        String kind = info.string(Uapi.IFLA_INFO_KIND, "");
        boolean hasData = info.has(Uapi.IFLA_INFO_DATA);
        return switch (kind) {
            case "" -> new LinkInfo.Other("");
            case "veth" -> new LinkInfo.Veth();
            case "bridge" -> new LinkInfo.Bridge();
            case "vxlan" -> {
                if (!hasData) {
                    throw new NetlinkDecodeException(info.context(Uapi.IFLA_INFO_DATA) + " missing for a vxlan link");
                }
                Attributes d = info.nested(Uapi.IFLA_INFO_DATA, Tables.VXLAN);
                InetAddress local = d.has(Uapi.IFLA_VXLAN_LOCAL) ? d.address(Uapi.IFLA_VXLAN_LOCAL, Uapi.AF_INET)
                        : d.has(Uapi.IFLA_VXLAN_LOCAL6) ? d.address(Uapi.IFLA_VXLAN_LOCAL6, Uapi.AF_INET6) : null;
                InetAddress group = d.has(Uapi.IFLA_VXLAN_GROUP) ? d.address(Uapi.IFLA_VXLAN_GROUP, Uapi.AF_INET)
                        : d.has(Uapi.IFLA_VXLAN_GROUP6) ? d.address(Uapi.IFLA_VXLAN_GROUP6, Uapi.AF_INET6) : null;
                yield new LinkInfo.Vxlan(d.u32(Uapi.IFLA_VXLAN_ID, 0), local, group,
                        d.has(Uapi.IFLA_VXLAN_PORT) ? d.be16(Uapi.IFLA_VXLAN_PORT) : 0,
                        d.u8(Uapi.IFLA_VXLAN_LEARNING, 0) != 0, d.u32(Uapi.IFLA_VXLAN_LINK, 0),
                        d.u8(Uapi.IFLA_VXLAN_TTL, 0));
            }
            case "ipip" -> {
                if (!hasData) {
                    yield new LinkInfo.Ipip(null, null, 0, 0, false);
                }
                Attributes d = info.nested(Uapi.IFLA_INFO_DATA, Tables.IPTUN);
                yield new LinkInfo.Ipip(nonZero(d, Uapi.IFLA_IPTUN_LOCAL), nonZero(d, Uapi.IFLA_IPTUN_REMOTE),
                        d.u8(Uapi.IFLA_IPTUN_TTL, 0), d.u32(Uapi.IFLA_IPTUN_LINK, 0),
                        d.u8(Uapi.IFLA_IPTUN_PMTUDISC, 0) != 0);
            }
            default -> new LinkInfo.Other(kind);
        };
    }

    /** The kernel reports an unset tunnel endpoint as 0.0.0.0. */
    private static InetAddress nonZero(Attributes d, int type) {
        if (!d.has(type)) {
            return null;
        }
        InetAddress a = d.address(type, Uapi.AF_INET);
        return a.isAnyLocalAddress() ? null : a;
    }

    private static List<Integer> ipv4Conf(Attributes afSpec) {
        if (!afSpec.has(Uapi.AF_INET)) {
            return List.of();
        }
        Attributes inet = afSpec.nested(Uapi.AF_INET);
        if (!inet.has(Uapi.IFLA_INET_CONF)) {
            return List.of();
        }
        int len = inet.length(Uapi.IFLA_INET_CONF);
        if (len % 4 != 0) {
            throw new NetlinkDecodeException(inet.context(Uapi.IFLA_INET_CONF) + ": " + len + " bytes is not an array of u32");
        }
        ByteBuffer b = inet.buffer();
        int off = inet.offset(Uapi.IFLA_INET_CONF);
        List<Integer> out = new ArrayList<>(len / 4);
        for (int i = 0; i < len; i += 4) {
            out.add(b.getInt(off + i));
        }
        return out;
    }
}
