package dev.viaduct.netlink;

/**
 * Per-device IPv4 settings (linux/ip.h {@code IPV4_DEVCONF_*}), the values behind
 * {@code net.ipv4.conf.<dev>.*}. They can be read from a {@link Link} and written with
 * {@link LinkUpdate#withIpv4Conf} through RTM_SETLINK (IFLA_AF_SPEC → AF_INET → IFLA_INET_CONF), which needs
 * no thread inside the device's namespace, unlike a /proc/sys write.
 */
public enum Ipv4Conf {
    FORWARDING, MC_FORWARDING, PROXY_ARP, ACCEPT_REDIRECTS, SECURE_REDIRECTS, SEND_REDIRECTS, SHARED_MEDIA,
    RP_FILTER, ACCEPT_SOURCE_ROUTE, BOOTP_RELAY, LOG_MARTIANS, TAG, ARPFILTER, MEDIUM_ID, NOXFRM, NOPOLICY,
    FORCE_IGMP_VERSION, ARP_ANNOUNCE, ARP_IGNORE, PROMOTE_SECONDARIES, ARP_ACCEPT, ARP_NOTIFY, ACCEPT_LOCAL,
    SRC_VMARK, PROXY_ARP_PVLAN, ROUTE_LOCALNET, IGMPV2_UNSOLICITED_REPORT_INTERVAL,
    IGMPV3_UNSOLICITED_REPORT_INTERVAL, IGNORE_ROUTES_WITH_LINKDOWN, DROP_UNICAST_IN_L2_MULTICAST,
    DROP_GRATUITOUS_ARP, BC_FORWARDING, ARP_EVICT_NOCARRIER;

    /** The kernel's 1-based index (IPV4_DEVCONF_FORWARDING is 1). */
    public int index() {
        return ordinal() + 1;
    }
}
