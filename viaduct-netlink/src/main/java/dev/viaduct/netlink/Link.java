package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Uapi;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A network device as RTM_NEWLINK describes it ({@code struct ifinfomsg} + IFLA_* attributes), immutable.
 * Statistics and per-family data other than the IPv4 devconf are not decoded.
 *
 * @param index        ifindex
 * @param name         IFLA_IFNAME
 * @param info         kind and kind-specific data (IFLA_LINKINFO)
 * @param flags        IFF_* (ifi_flags): {@link #isUp()} tests IFF_UP
 * @param mtu          IFLA_MTU
 * @param address      IFLA_ADDRESS, or null
 * @param operState    IFLA_OPERSTATE
 * @param masterIndex  IFLA_MASTER (bridge or bond), or 0
 * @param parentIndex  IFLA_LINK: for a veth its peer, for a tunnel its underlay; 0 when absent
 * @param linkNetnsId  IFLA_LINK_NETNSID: the namespace id (as seen from this one) of the peer/underlay, or -1
 * @param hardwareType ifi_type, an ARPHRD_* value (1 Ethernet, 768 IPIP, 772 loopback)
 * @param ipv4Conf     IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF: element i is {@code IPV4_DEVCONF} index i+1; empty
 *                     when the device has no IPv4 configuration
 * @param group        IFLA_GROUP ({@code ip link set ... group N}); 0, the default group, when absent
 */
public record Link(int index, String name, LinkInfo info, int flags, int mtu, HardwareAddress address,
        OperState operState, int masterIndex, int parentIndex, int linkNetnsId, int hardwareType, List<Integer> ipv4Conf,
        int group) {

    public Link {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(operState, "operState");
        ipv4Conf = List.copyOf(ipv4Conf);
    }

    public String kind() {
        return info.kind();
    }

    /** Administratively up (IFF_UP). */
    public boolean isUp() {
        return (flags & Uapi.IFF_UP) != 0;
    }

    /** The value of one IPv4 devconf setting, if the kernel reported it. */
    public OptionalInt ipv4Conf(Ipv4Conf key) {
        int i = key.index() - 1;
        return i < ipv4Conf.size() ? OptionalInt.of(ipv4Conf.get(i)) : OptionalInt.empty();
    }

    @Override
    public String toString() {
        return index + ": " + name + (info instanceof LinkInfo.None ? "" : " (" + info.kind() + ")") + " mtu " + mtu
                + (isUp() ? " up" : " down") + " state " + operState + (address != null ? " link " + address : "")
                + (masterIndex != 0 ? " master #" + masterIndex : "");
    }
}
