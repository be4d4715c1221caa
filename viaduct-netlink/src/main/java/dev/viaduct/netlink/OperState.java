package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.NetlinkDecodeException;

/** RFC 2863 operational state, IFLA_OPERSTATE (linux/if.h IF_OPER_*). */
public enum OperState {
    UNKNOWN, NOTPRESENT, DOWN, LOWERLAYERDOWN, TESTING, DORMANT, UP;

    public int code() {
        return ordinal();
    }

    static OperState decode(int code, String context) {
        if (code < 0 || code >= values().length) {
            throw new NetlinkDecodeException(context + ": IFLA_OPERSTATE " + code + " is not an IF_OPER_* value");
        }
        return values()[code];
    }
}
