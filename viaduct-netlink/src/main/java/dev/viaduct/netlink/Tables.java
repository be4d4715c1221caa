package dev.viaduct.netlink;

import static dev.viaduct.netlink.codec.AttributeKind.BE16;
import static dev.viaduct.netlink.codec.AttributeKind.BYTES;
import static dev.viaduct.netlink.codec.AttributeKind.IP_ADDRESS;
import static dev.viaduct.netlink.codec.AttributeKind.LINK_ADDRESS;
import static dev.viaduct.netlink.codec.AttributeKind.STRING;
import static dev.viaduct.netlink.codec.AttributeKind.U16;
import static dev.viaduct.netlink.codec.AttributeKind.U32;
import static dev.viaduct.netlink.codec.AttributeKind.U64;
import static dev.viaduct.netlink.codec.AttributeKind.U8;

import dev.viaduct.netlink.codec.AttributeTable;
import dev.viaduct.netlink.codec.Uapi;

/**
 * The rtnetlink attribute tables, one per message family and nest, transcribed from the kernel's
 * policies ({@code rtm_ipv4_policy}, {@code ifla_policy}, {@code ifa_ipv4_policy}, {@code nda_policy},
 * {@code vxlan_policy}, {@code ipip} netlink parms). Only types the library reads or writes are described;
 * the rest pass through unvalidated, as in the kernel.
 */
final class Tables {
    private Tables() {
    }

    static final AttributeTable ROUTE = AttributeTable.builder("rtmsg", Uapi.RTA_MAX)
            .add(Uapi.RTA_DST, "RTA_DST", IP_ADDRESS)
            .add(Uapi.RTA_SRC, "RTA_SRC", IP_ADDRESS)
            .add(Uapi.RTA_IIF, "RTA_IIF", U32)
            .add(Uapi.RTA_OIF, "RTA_OIF", U32)
            .add(Uapi.RTA_GATEWAY, "RTA_GATEWAY", IP_ADDRESS)
            .add(Uapi.RTA_PRIORITY, "RTA_PRIORITY", U32)
            .add(Uapi.RTA_PREFSRC, "RTA_PREFSRC", IP_ADDRESS)
            .add(Uapi.RTA_METRICS, "RTA_METRICS", BYTES)
            .add(Uapi.RTA_MULTIPATH, "RTA_MULTIPATH", BYTES)
            .add(Uapi.RTA_FLOW, "RTA_FLOW", U32)
            .add(Uapi.RTA_CACHEINFO, "RTA_CACHEINFO", BYTES)
            .add(Uapi.RTA_TABLE, "RTA_TABLE", U32)
            .add(Uapi.RTA_MARK, "RTA_MARK", U32)
            .add(Uapi.RTA_VIA, "RTA_VIA", BYTES)
            .add(Uapi.RTA_PREF, "RTA_PREF", U8)
            .add(Uapi.RTA_ENCAP_TYPE, "RTA_ENCAP_TYPE", U16)
            .add(Uapi.RTA_ENCAP, "RTA_ENCAP", BYTES)
            .add(Uapi.RTA_EXPIRES, "RTA_EXPIRES", BYTES)
            .add(Uapi.RTA_UID, "RTA_UID", U32)
            .add(Uapi.RTA_NH_ID, "RTA_NH_ID", U32)
            .build();

    static final AttributeTable ADDRESS = AttributeTable.builder("ifaddrmsg", Uapi.IFA_MAX)
            .add(Uapi.IFA_ADDRESS, "IFA_ADDRESS", IP_ADDRESS)
            .add(Uapi.IFA_LOCAL, "IFA_LOCAL", IP_ADDRESS)
            .add(Uapi.IFA_LABEL, "IFA_LABEL", STRING)
            .add(Uapi.IFA_BROADCAST, "IFA_BROADCAST", IP_ADDRESS)
            .add(Uapi.IFA_CACHEINFO, "IFA_CACHEINFO", BYTES)
            .add(Uapi.IFA_FLAGS, "IFA_FLAGS", U32)
            .add(Uapi.IFA_RT_PRIORITY, "IFA_RT_PRIORITY", U32)
            .add(Uapi.IFA_PROTO, "IFA_PROTO", U8)
            .build();

    static final AttributeTable NEIGHBOUR = AttributeTable.builder("ndmsg", Uapi.NDA_MAX)
            .add(Uapi.NDA_DST, "NDA_DST", IP_ADDRESS)
            .add(Uapi.NDA_LLADDR, "NDA_LLADDR", LINK_ADDRESS)
            .add(Uapi.NDA_CACHEINFO, "NDA_CACHEINFO", BYTES)
            .add(Uapi.NDA_PROBES, "NDA_PROBES", U32)
            .add(Uapi.NDA_VLAN, "NDA_VLAN", U16)
            .add(Uapi.NDA_PORT, "NDA_PORT", BE16)
            .add(Uapi.NDA_VNI, "NDA_VNI", U32)
            .add(Uapi.NDA_IFINDEX, "NDA_IFINDEX", U32)
            .add(Uapi.NDA_MASTER, "NDA_MASTER", U32)
            .add(Uapi.NDA_PROTOCOL, "NDA_PROTOCOL", U8)
            .build();

    static final AttributeTable VXLAN = AttributeTable.builder("IFLA_VXLAN", 31)
            .add(Uapi.IFLA_VXLAN_ID, "IFLA_VXLAN_ID", U32)
            .add(Uapi.IFLA_VXLAN_GROUP, "IFLA_VXLAN_GROUP", IP_ADDRESS)
            .add(Uapi.IFLA_VXLAN_LINK, "IFLA_VXLAN_LINK", U32)
            .add(Uapi.IFLA_VXLAN_LOCAL, "IFLA_VXLAN_LOCAL", IP_ADDRESS)
            .add(Uapi.IFLA_VXLAN_TTL, "IFLA_VXLAN_TTL", U8)
            .add(Uapi.IFLA_VXLAN_LEARNING, "IFLA_VXLAN_LEARNING", U8)
            .add(Uapi.IFLA_VXLAN_PORT, "IFLA_VXLAN_PORT", BE16)
            .add(Uapi.IFLA_VXLAN_GROUP6, "IFLA_VXLAN_GROUP6", IP_ADDRESS)
            .add(Uapi.IFLA_VXLAN_LOCAL6, "IFLA_VXLAN_LOCAL6", IP_ADDRESS)
            .build();

    static final AttributeTable IPTUN = AttributeTable.builder("IFLA_IPTUN", 21)
            .add(Uapi.IFLA_IPTUN_LINK, "IFLA_IPTUN_LINK", U32)
            .add(Uapi.IFLA_IPTUN_LOCAL, "IFLA_IPTUN_LOCAL", IP_ADDRESS)
            .add(Uapi.IFLA_IPTUN_REMOTE, "IFLA_IPTUN_REMOTE", IP_ADDRESS)
            .add(Uapi.IFLA_IPTUN_TTL, "IFLA_IPTUN_TTL", U8)
            .add(Uapi.IFLA_IPTUN_PMTUDISC, "IFLA_IPTUN_PMTUDISC", U8)
            .build();

    static final AttributeTable LINK_INFO = AttributeTable.builder("IFLA_LINKINFO", 5)
            .add(Uapi.IFLA_INFO_KIND, "IFLA_INFO_KIND", STRING)
            .add(Uapi.IFLA_INFO_DATA, "IFLA_INFO_DATA", BYTES)
            .add(Uapi.IFLA_INFO_SLAVE_KIND, "IFLA_INFO_SLAVE_KIND", STRING)
            .build();

    static final AttributeTable INET_SPEC = AttributeTable.builder("IFLA_AF_SPEC/AF_INET", 1)
            .add(Uapi.IFLA_INET_CONF, "IFLA_INET_CONF", BYTES)
            .build();

    /** IFLA_AF_SPEC nests one attribute per address family, typed by the family number. */
    static final AttributeTable AF_SPEC = AttributeTable.builder("IFLA_AF_SPEC", 64)
            .nested(Uapi.AF_INET, "AF_INET", () -> INET_SPEC)
            .add(Uapi.AF_INET6, "AF_INET6", BYTES)
            .build();

    static final AttributeTable LINK = AttributeTable.builder("ifinfomsg", Uapi.IFLA_MAX)
            .add(Uapi.IFLA_ADDRESS, "IFLA_ADDRESS", LINK_ADDRESS)
            .add(Uapi.IFLA_BROADCAST, "IFLA_BROADCAST", LINK_ADDRESS)
            .add(Uapi.IFLA_IFNAME, "IFLA_IFNAME", STRING)
            .add(Uapi.IFLA_MTU, "IFLA_MTU", U32)
            .add(Uapi.IFLA_LINK, "IFLA_LINK", U32)
            .add(Uapi.IFLA_MASTER, "IFLA_MASTER", U32)
            .add(Uapi.IFLA_TXQLEN, "IFLA_TXQLEN", U32)
            .add(Uapi.IFLA_OPERSTATE, "IFLA_OPERSTATE", U8)
            .add(Uapi.IFLA_LINKMODE, "IFLA_LINKMODE", U8)
            .nested(Uapi.IFLA_LINKINFO, "IFLA_LINKINFO", () -> LINK_INFO)
            .add(Uapi.IFLA_NET_NS_PID, "IFLA_NET_NS_PID", U32)
            .nested(Uapi.IFLA_AF_SPEC, "IFLA_AF_SPEC", () -> AF_SPEC)
            .add(Uapi.IFLA_GROUP, "IFLA_GROUP", U32)
            .add(Uapi.IFLA_NET_NS_FD, "IFLA_NET_NS_FD", U32)
            .add(Uapi.IFLA_EXT_MASK, "IFLA_EXT_MASK", U32)
            .add(Uapi.IFLA_LINK_NETNSID, "IFLA_LINK_NETNSID", U32)
            .add(Uapi.IFLA_TARGET_NETNSID, "IFLA_TARGET_NETNSID", U32)
            .add(Uapi.IFLA_NEW_IFINDEX, "IFLA_NEW_IFINDEX", U32)
            .add(Uapi.IFLA_MIN_MTU, "IFLA_MIN_MTU", U32)
            .add(Uapi.IFLA_MAX_MTU, "IFLA_MAX_MTU", U32)
            .add(Uapi.IFLA_ALT_IFNAME, "IFLA_ALT_IFNAME", STRING)
            .build();

    static final AttributeTable NEIGH_TABLE_PARMS = AttributeTable.builder("NDTA_PARMS", 19)
            .add(Uapi.NDTPA_IFINDEX, "NDTPA_IFINDEX", U32)
            .add(Uapi.NDTPA_PROXY_DELAY, "NDTPA_PROXY_DELAY", U64)
            .build();

    static final AttributeTable NEIGH_TABLE = AttributeTable.builder("ndtmsg", 9)
            .add(Uapi.NDTA_NAME, "NDTA_NAME", STRING)
            .nested(Uapi.NDTA_PARMS, "NDTA_PARMS", () -> NEIGH_TABLE_PARMS)
            .build();
}
