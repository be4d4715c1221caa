package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.NetlinkDecodeException;
import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;

/** The address families rtnetlink messages carry here (bits/socket.h AF_*). */
public enum AddressFamily {
    /** AF_UNSPEC: every family (dump requests only). */
    UNSPEC(Uapi.AF_UNSPEC),
    INET(Uapi.AF_INET),
    /** AF_BRIDGE: bridge and VXLAN forwarding database (FDB) entries. */
    BRIDGE(Uapi.AF_BRIDGE),
    INET6(Uapi.AF_INET6);

    private final int code;

    AddressFamily(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** INET or INET6 for an address. */
    public static AddressFamily of(InetAddress a) {
        return a instanceof Inet4Address ? INET : INET6;
    }

    /** INET or INET6 for a prefix. */
    public static AddressFamily of(IpPrefix p) {
        return p.ipv6() ? INET6 : INET;
    }

    static AddressFamily decode(int code, String context) {
        for (AddressFamily f : values()) {
            if (f.code == code) {
                return f;
            }
        }
        throw new NetlinkDecodeException(context + ": unsupported address family " + code);
    }
}
