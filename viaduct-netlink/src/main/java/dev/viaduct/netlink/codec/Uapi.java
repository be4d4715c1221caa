package dev.viaduct.netlink.codec;

/**
 * Constants from the Linux UAPI headers, spelled as the kernel spells them so they can be grepped against
 * {@code /usr/include/linux/*.h}. Every group names its header. Values are ABI: they never change once
 * released, which is why copying them is safe.
 */
public final class Uapi {
    private Uapi() {
    }

    // <bits/socket.h>
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_BRIDGE = 7;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;

    // <linux/netlink.h>: protocol, message header flags, control message types
    public static final int NETLINK_ROUTE = 0;
    public static final int NLMSG_HDRLEN = 16;
    public static final int NLA_HDRLEN = 4;
    public static final int NLM_F_REQUEST = 0x01;
    public static final int NLM_F_MULTI = 0x02;
    public static final int NLM_F_ACK = 0x04;
    public static final int NLM_F_ECHO = 0x08;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP_FILTERED = 0x20;
    public static final int NLM_F_ROOT = 0x100;
    public static final int NLM_F_MATCH = 0x200;
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_APPEND = 0x800;
    /** In an NLMSG_ERROR: the echoed request was cut to its header (NETLINK_CAP_ACK). */
    public static final int NLM_F_CAPPED = 0x100;
    /** In an NLMSG_ERROR or NLMSG_DONE: extended-ACK attributes follow. */
    public static final int NLM_F_ACK_TLVS = 0x200;
    public static final int NLMSG_NOOP = 0x1;
    public static final int NLMSG_ERROR = 0x2;
    public static final int NLMSG_DONE = 0x3;
    public static final int NLMSG_OVERRUN = 0x4;
    public static final int NLMSG_MIN_TYPE = 0x10;
    public static final int NLA_F_NESTED = 1 << 15;
    public static final int NLA_F_NET_BYTEORDER = 1 << 14;
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF;
    public static final int NLMSGERR_ATTR_MSG = 1;
    public static final int NLMSGERR_ATTR_OFFS = 2;
    public static final int NLMSGERR_ATTR_COOKIE = 3;
    public static final int NLMSGERR_ATTR_POLICY = 4;
    public static final int NLMSGERR_ATTR_MISS_TYPE = 5;
    public static final int NLMSGERR_ATTR_MISS_NEST = 6;
    // socket options at SOL_NETLINK
    public static final int SOL_NETLINK = 270;
    public static final int NETLINK_ADD_MEMBERSHIP = 1;
    public static final int NETLINK_DROP_MEMBERSHIP = 2;
    public static final int NETLINK_NO_ENOBUFS = 5;
    public static final int NETLINK_CAP_ACK = 10;
    public static final int NETLINK_EXT_ACK = 11;
    public static final int NETLINK_GET_STRICT_CHK = 12;

    // <linux/rtnetlink.h>: message types
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_SETLINK = 19;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_DELROUTE = 25;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWNEIGH = 28;
    public static final int RTM_DELNEIGH = 29;
    public static final int RTM_GETNEIGH = 30;
    public static final int RTM_NEWNEIGHTBL = 64;
    public static final int RTM_GETNEIGHTBL = 66;
    public static final int RTM_SETNEIGHTBL = 67;

    // <linux/rtnetlink.h>: multicast groups (enum rtnetlink_groups; bit n-1 in the legacy bind mask)
    public static final int RTNLGRP_LINK = 1;
    public static final int RTNLGRP_NEIGH = 3;
    public static final int RTNLGRP_IPV4_IFADDR = 5;
    public static final int RTNLGRP_IPV4_ROUTE = 7;
    public static final int RTNLGRP_IPV6_IFADDR = 9;
    public static final int RTNLGRP_IPV6_ROUTE = 11;

    // <linux/rtnetlink.h>: struct rtmsg fields and route attributes
    public static final int RTMSG_SIZE = 12;
    public static final int RTN_UNSPEC = 0;
    public static final int RTN_UNICAST = 1;
    public static final int RTN_MAX = 11;
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_SITE = 200;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;
    public static final int RT_SCOPE_NOWHERE = 255;
    public static final int RT_TABLE_UNSPEC = 0;
    public static final int RT_TABLE_MAIN = 254;
    public static final int RT_TABLE_LOCAL = 255;
    public static final int RTM_F_CLONED = 0x200;
    public static final int RTA_DST = 1;
    public static final int RTA_SRC = 2;
    public static final int RTA_IIF = 3;
    public static final int RTA_OIF = 4;
    public static final int RTA_GATEWAY = 5;
    public static final int RTA_PRIORITY = 6;
    public static final int RTA_PREFSRC = 7;
    public static final int RTA_METRICS = 8;
    public static final int RTA_MULTIPATH = 9;
    public static final int RTA_FLOW = 11;
    public static final int RTA_CACHEINFO = 12;
    public static final int RTA_TABLE = 15;
    public static final int RTA_MARK = 16;
    public static final int RTA_VIA = 18;
    public static final int RTA_PREF = 20;
    public static final int RTA_ENCAP_TYPE = 21;
    public static final int RTA_ENCAP = 22;
    public static final int RTA_EXPIRES = 23;
    public static final int RTA_PAD = 24;
    public static final int RTA_UID = 25;
    public static final int RTA_NH_ID = 30;
    public static final int RTA_MAX = 30;
    /** struct rtnexthop: u16 len, u8 flags, u8 hops, s32 ifindex. */
    public static final int RTNEXTHOP_SIZE = 8;
    public static final int RTNH_F_DEAD = 1;
    public static final int RTNH_F_PERVASIVE = 2;
    public static final int RTNH_F_ONLINK = 4;
    public static final int RTNH_F_OFFLOAD = 8;
    public static final int RTNH_F_LINKDOWN = 16;
    public static final int RTNH_F_UNRESOLVED = 32;
    public static final int RTNH_F_TRAP = 64;

    // <linux/rtnetlink.h> + <linux/if_link.h>: struct ifinfomsg and link attributes
    public static final int IFINFOMSG_SIZE = 16;
    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_BROADCAST = 2;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINK = 5;
    public static final int IFLA_MASTER = 10;
    public static final int IFLA_TXQLEN = 13;
    public static final int IFLA_OPERSTATE = 16;
    public static final int IFLA_LINKMODE = 17;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_NET_NS_PID = 19;
    public static final int IFLA_AF_SPEC = 26;
    public static final int IFLA_GROUP = 27;
    public static final int IFLA_NET_NS_FD = 28;
    public static final int IFLA_EXT_MASK = 29;
    public static final int IFLA_LINK_NETNSID = 37;
    public static final int IFLA_TARGET_NETNSID = 46;
    public static final int IFLA_NEW_IFINDEX = 49;
    public static final int IFLA_MIN_MTU = 50;
    public static final int IFLA_MAX_MTU = 51;
    public static final int IFLA_ALT_IFNAME = 53;
    public static final int IFLA_MAX = 64;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;
    public static final int IFLA_INFO_SLAVE_KIND = 4;
    public static final int IFLA_INET_CONF = 1;
    public static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;
    // <linux/if.h>
    public static final int IFF_UP = 1;
    public static final int IFF_LOOPBACK = 1 << 3;
    public static final int IFF_RUNNING = 1 << 6;
    public static final int IFF_NOARP = 1 << 7;
    public static final int IFF_LOWER_UP = 1 << 16;
    public static final int IFNAMSIZ = 16;
    // <linux/veth.h>
    public static final int VETH_INFO_PEER = 1;
    // <linux/if_link.h>: enum IFLA_VXLAN_*
    public static final int IFLA_VXLAN_ID = 1;
    public static final int IFLA_VXLAN_GROUP = 2;
    public static final int IFLA_VXLAN_LINK = 3;
    public static final int IFLA_VXLAN_LOCAL = 4;
    public static final int IFLA_VXLAN_TTL = 5;
    public static final int IFLA_VXLAN_LEARNING = 7;
    public static final int IFLA_VXLAN_PORT = 15;
    public static final int IFLA_VXLAN_GROUP6 = 16;
    public static final int IFLA_VXLAN_LOCAL6 = 17;
    // <linux/if_tunnel.h>: enum IFLA_IPTUN_*
    public static final int IFLA_IPTUN_LINK = 1;
    public static final int IFLA_IPTUN_LOCAL = 2;
    public static final int IFLA_IPTUN_REMOTE = 3;
    public static final int IFLA_IPTUN_TTL = 4;
    public static final int IFLA_IPTUN_PMTUDISC = 10;
    // <linux/ip.h>: enum IPV4_DEVCONF_* (1-based indices into IFLA_INET_CONF)
    public static final int IPV4_DEVCONF_FORWARDING = 1;
    public static final int IPV4_DEVCONF_PROXY_ARP = 3;
    public static final int IPV4_DEVCONF_RP_FILTER = 8;

    // <linux/if_addr.h>: struct ifaddrmsg and address attributes
    public static final int IFADDRMSG_SIZE = 8;
    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_LABEL = 3;
    public static final int IFA_BROADCAST = 4;
    public static final int IFA_CACHEINFO = 6;
    public static final int IFA_FLAGS = 8;
    public static final int IFA_RT_PRIORITY = 9;
    public static final int IFA_PROTO = 11;
    public static final int IFA_MAX = 11;
    public static final int IFA_F_SECONDARY = 0x01;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_TENTATIVE = 0x40;
    public static final int IFA_F_PERMANENT = 0x80;
    public static final int IFA_F_NOPREFIXROUTE = 0x200;

    // <linux/neighbour.h>: struct ndmsg, neighbour attributes, flags and states; struct ndtmsg
    public static final int NDMSG_SIZE = 12;
    public static final int NDA_DST = 1;
    public static final int NDA_LLADDR = 2;
    public static final int NDA_CACHEINFO = 3;
    public static final int NDA_PROBES = 4;
    public static final int NDA_VLAN = 5;
    public static final int NDA_PORT = 6;
    public static final int NDA_VNI = 7;
    public static final int NDA_IFINDEX = 8;
    public static final int NDA_MASTER = 9;
    public static final int NDA_PROTOCOL = 12;
    public static final int NDA_MAX = 17;
    public static final int NTF_USE = 1;
    public static final int NTF_SELF = 1 << 1;
    public static final int NTF_MASTER = 1 << 2;
    public static final int NTF_PROXY = 1 << 3;
    public static final int NTF_EXT_LEARNED = 1 << 4;
    public static final int NTF_ROUTER = 1 << 7;
    public static final int NUD_INCOMPLETE = 0x01;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_FAILED = 0x20;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;
    public static final int NDTMSG_SIZE = 4;
    public static final int NDTA_NAME = 1;
    public static final int NDTA_PARMS = 6;
    public static final int NDTPA_IFINDEX = 1;
    public static final int NDTPA_PROXY_DELAY = 13;
}
