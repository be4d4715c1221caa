package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpAddresses;
import java.net.InetAddress;
import java.util.function.IntFunction;

/**
 * One path of a route: a gateway and/or an outgoing device, RTNH_F_* flags and an ECMP weight. A
 * single-path route has one; an ECMP route (RTA_MULTIPATH, {@code struct rtnexthop} per path) several.
 *
 * @param gateway gateway address, or null for a directly attached path ({@code dev X} only). May be of the
 *                other family than the destination (an IPv4 route via an IPv6 gateway, RFC 5549; RTA_VIA)
 * @param ifindex outgoing interface index, 0 to let the kernel find it from the gateway
 * @param flags   RTNH_F_* bits: {@link #ONLINK} on requests; the kernel adds DEAD / LINKDOWN in dumps
 * @param weight  ECMP weight 1..256 ({@code rtnh_hops} + 1); 1 for single-path routes
 */
public record Nexthop(InetAddress gateway, int ifindex, int flags, int weight) {
    /** RTNH_F_DEAD: the path is unusable (its device is down). Set by the kernel. */
    public static final int DEAD = Uapi.RTNH_F_DEAD;
    /** RTNH_F_ONLINK: take the gateway as directly reachable on the device even without a covering route. */
    public static final int ONLINK = Uapi.RTNH_F_ONLINK;
    /** RTNH_F_LINKDOWN: the device has no carrier. Set by the kernel. */
    public static final int LINKDOWN = Uapi.RTNH_F_LINKDOWN;

    public Nexthop {
        if (ifindex < 0) {
            throw new IllegalArgumentException("nexthop ifindex " + ifindex + " is negative");
        }
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("nexthop flags 0x" + Integer.toHexString(flags) + " do not fit rtnh_flags (u8)");
        }
        if (weight < 1 || weight > 256) {
            throw new IllegalArgumentException("nexthop weight " + weight + " out of range 1..256");
        }
        if (gateway == null && ifindex == 0) {
            throw new IllegalArgumentException("a nexthop needs a gateway or a device");
        }
    }

    /** {@code via gateway}. */
    public static Nexthop via(InetAddress gateway) {
        return new Nexthop(gateway, 0, 0, 1);
    }

    /** {@code via gateway dev ifindex}. */
    public static Nexthop via(InetAddress gateway, int ifindex) {
        return new Nexthop(gateway, ifindex, 0, 1);
    }

    /** {@code dev ifindex} (directly attached). */
    public static Nexthop device(int ifindex) {
        return new Nexthop(null, ifindex, 0, 1);
    }

    /** This path with RTNH_F_ONLINK ({@code ... onlink}). */
    public Nexthop onlink() {
        return new Nexthop(gateway, ifindex, flags | ONLINK, weight);
    }

    public Nexthop withWeight(int w) {
        return new Nexthop(gateway, ifindex, flags, w);
    }

    public Nexthop withFlags(int f) {
        return new Nexthop(gateway, ifindex, f, weight);
    }

    public boolean has(int flag) {
        return (flags & flag) == flag;
    }

    /**
     * In {@code ip route} syntax: {@code via 10.168.0.3 dev eth0 onlink}, the device named by
     * {@code deviceName} (given the ifindex), flags in iproute2's order (dead, onlink, linkdown).
     */
    public String text(IntFunction<String> deviceName) {
        StringBuilder sb = new StringBuilder();
        if (gateway != null) {
            sb.append("via ").append(IpAddresses.format(gateway));
        }
        if (ifindex != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append("dev ").append(deviceName.apply(ifindex));
        }
        if (has(DEAD)) {
            sb.append(" dead");
        }
        if (has(ONLINK)) {
            sb.append(" onlink");
        }
        if (has(LINKDOWN)) {
            sb.append(" linkdown");
        }
        if (weight != 1) {
            sb.append(" weight ").append(weight);
        }
        return sb.toString();
    }

    /** {@link #text} with the device as its index: {@code via 10.168.0.3 dev #2}. */
    @Override
    public String toString() {
        return text(i -> "#" + i);
    }
}
