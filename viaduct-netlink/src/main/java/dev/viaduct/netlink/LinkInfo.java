package dev.viaduct.netlink;

import java.net.InetAddress;

/**
 * What kind of device a {@link Link} is (IFLA_LINKINFO: IFLA_INFO_KIND and, for the kinds the agent
 * programs, the decoded IFLA_INFO_DATA). Switch over it exhaustively.
 */
public sealed interface LinkInfo {
    /** The kernel's kind string ({@code "veth"}, {@code "vxlan"}, ...); empty for devices without one (lo, NICs). */
    String kind();

    /** No IFLA_LINKINFO: loopback, physical NICs. */
    record None() implements LinkInfo {
        @Override
        public String kind() {
            return "";
        }
    }

    /** One end of a veth pair; the peer's index is {@link Link#parentIndex()} (IFLA_LINK). */
    record Veth() implements LinkInfo {
        @Override
        public String kind() {
            return "veth";
        }
    }

    record Bridge() implements LinkInfo {
        @Override
        public String kind() {
            return "bridge";
        }
    }

    /**
     * A VXLAN device (IFLA_VXLAN_*).
     *
     * @param vni      IFLA_VXLAN_ID, 0..2^24-1
     * @param local    IFLA_VXLAN_LOCAL/LOCAL6, or null
     * @param group    IFLA_VXLAN_GROUP/GROUP6 (default remote or multicast group), or null
     * @param port     IFLA_VXLAN_PORT, destination UDP port (4789 is IANA's)
     * @param learning IFLA_VXLAN_LEARNING
     * @param underlay IFLA_VXLAN_LINK, the device VXLAN packets leave by, or 0
     * @param ttl      IFLA_VXLAN_TTL, 0 = inherit
     */
    record Vxlan(int vni, InetAddress local, InetAddress group, int port, boolean learning, int underlay, int ttl)
            implements LinkInfo {
        @Override
        public String kind() {
            return "vxlan";
        }
    }

    /**
     * An IPv4-in-IPv4 tunnel (IFLA_IPTUN_*).
     *
     * @param local    IFLA_IPTUN_LOCAL, or null for any
     * @param remote   IFLA_IPTUN_REMOTE, or null for any (a {@code tunl0}-style catch-all device)
     * @param ttl      IFLA_IPTUN_TTL, 0 = inherit
     * @param underlay IFLA_IPTUN_LINK, or 0
     * @param pmtudisc IFLA_IPTUN_PMTUDISC
     */
    record Ipip(InetAddress local, InetAddress remote, int ttl, int underlay, boolean pmtudisc) implements LinkInfo {
        @Override
        public String kind() {
            return "ipip";
        }
    }

    /** Any other kind; its data is not decoded. */
    record Other(String kind) implements LinkInfo {
    }
}
