package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.NetlinkDecodeException;

/** {@code rtm_type} (linux/rtnetlink.h RTN_*); the kernel rejects anything above RTN_MAX, so this is complete. */
public enum RouteType {
    UNSPEC, UNICAST, LOCAL, BROADCAST, ANYCAST, MULTICAST,
    /** Silently drop. */
    BLACKHOLE,
    /** Drop with ICMP host unreachable. */
    UNREACHABLE,
    PROHIBIT, THROW, NAT, XRESOLVE;

    public int code() {
        return ordinal();
    }

    static RouteType decode(int code, String context) {
        if (code < 0 || code >= values().length) {
            throw new NetlinkDecodeException(context + ": rtm_type " + code + " above RTN_MAX");
        }
        return values()[code];
    }

    /** Whether routes of this type forward via nexthops (the others have none). */
    boolean hasNexthops() {
        return this == UNICAST || this == UNSPEC || this == LOCAL || this == BROADCAST || this == ANYCAST
                || this == MULTICAST;
    }
}
