package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpAddresses;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A neighbour-table entry ({@code struct ndmsg} + NDA_* attributes): an ARP/NDP entry (family INET/INET6)
 * or a bridge/VXLAN forwarding-database entry (family BRIDGE). Immutable.
 *
 * <pre>{@code
 * // ip neigh replace 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee dev eth0 nud permanent
 * Neighbour.permanent(eth0, InetAddress.ofLiteral("169.254.1.1"), mac)
 * // bridge fdb append 00:00:00:00:00:00 dev vxlan0 dst 192.168.0.2 self permanent
 * Neighbour.fdb(vxlan0, HardwareAddress.parse("00:00:00:00:00:00"), vtep)
 * }</pre>
 *
 * @param family      INET, INET6 or BRIDGE
 * @param ifindex     the device (ndm_ifindex)
 * @param destination NDA_DST: the neighbour's IP; for an FDB entry the remote VTEP; may be null for FDB
 * @param linkAddress NDA_LLADDR, or null (an incomplete entry)
 * @param state       NUD_* state bits (ndm_state), e.g. {@link #PERMANENT}
 * @param flags       NTF_* flags (ndm_flags), e.g. {@link #SELF} for an entry of the VXLAN device itself
 * @param vni         NDA_VNI of an FDB entry, or -1
 * @param master      NDA_MASTER (bridge) of an FDB entry, or 0
 */
public record Neighbour(AddressFamily family, int ifindex, InetAddress destination, HardwareAddress linkAddress,
        int state, int flags, int vni, int master) {
    public static final int PERMANENT = Uapi.NUD_PERMANENT;
    public static final int NOARP = Uapi.NUD_NOARP;
    public static final int REACHABLE = Uapi.NUD_REACHABLE;
    public static final int STALE = Uapi.NUD_STALE;
    public static final int FAILED = Uapi.NUD_FAILED;
    public static final int INCOMPLETE = Uapi.NUD_INCOMPLETE;
    /** NTF_SELF: the entry belongs to the device itself (a VXLAN FDB entry), not to its bridge master. */
    public static final int SELF = Uapi.NTF_SELF;
    /** NTF_MASTER: the entry belongs to the bridge the device is a port of. */
    public static final int MASTER = Uapi.NTF_MASTER;
    /** NTF_PROXY: a proxy ARP/NDP entry. */
    public static final int PROXY = Uapi.NTF_PROXY;

    public Neighbour {
        Objects.requireNonNull(family, "family");
        if (family == AddressFamily.UNSPEC) {
            throw new IllegalArgumentException("a neighbour needs family INET, INET6 or BRIDGE");
        }
        if (ifindex <= 0) {
            throw new IllegalArgumentException("neighbour needs an interface index, got " + ifindex);
        }
        if (family != AddressFamily.BRIDGE) {
            Objects.requireNonNull(destination, "destination");
            if (AddressFamily.of(destination) != family) {
                throw new IllegalArgumentException("neighbour " + IpAddresses.format(destination) + " is not " + family);
            }
        }
        if (state < 0 || state > 0xFFFF) {
            throw new IllegalArgumentException("neighbour state 0x" + Integer.toHexString(state) + " does not fit ndm_state (u16)");
        }
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("neighbour flags 0x" + Integer.toHexString(flags) + " do not fit ndm_flags (u8)");
        }
        if (vni < -1 || vni > 0xFFFFFF) {
            throw new IllegalArgumentException("VNI " + vni + " out of range 0..16777215");
        }
        if (master < 0) {
            throw new IllegalArgumentException("master ifindex " + master + " is negative");
        }
    }

    /** A permanent ARP (IPv4) or NDP (IPv6) entry: {@code ip neigh replace <ip> lladdr <mac> dev <if> nud permanent}. */
    public static Neighbour permanent(int ifindex, InetAddress ip, HardwareAddress mac) {
        return new Neighbour(AddressFamily.of(ip), ifindex, ip, Objects.requireNonNull(mac, "mac"), PERMANENT, 0, -1, 0);
    }

    /**
     * A permanent FDB entry of a VXLAN device: frames for {@code mac} go to VTEP {@code remote}
     * ({@code bridge fdb append <mac> dev <vxlan> dst <remote> self permanent}).
     */
    public static Neighbour fdb(int ifindex, HardwareAddress mac, InetAddress remote) {
        return new Neighbour(AddressFamily.BRIDGE, ifindex, remote, Objects.requireNonNull(mac, "mac"), PERMANENT, SELF, -1, 0);
    }

    public boolean isPermanent() {
        return (state & PERMANENT) != 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (family == AddressFamily.BRIDGE) {
            sb.append("fdb ").append(linkAddress).append(" dev #").append(ifindex);
            if (destination != null) {
                sb.append(" dst ").append(IpAddresses.format(destination));
            }
        } else {
            sb.append(IpAddresses.format(destination));
            if (linkAddress != null) {
                sb.append(" lladdr ").append(linkAddress);
            }
            sb.append(" dev #").append(ifindex);
        }
        if (isPermanent()) {
            sb.append(" permanent");
        }
        return sb.toString();
    }
}
