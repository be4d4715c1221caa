package dev.viaduct.netlink;

import java.util.EnumMap;
import java.util.Map;

/**
 * Changes to an existing link, sent as one RTM_SETLINK ({@code ip link set}). Every field is optional
 * (null = unchanged); build from {@link #none()} with the {@code with*} methods.
 *
 * @param up        IFF_UP on or off
 * @param mtu       IFLA_MTU
 * @param address   IFLA_ADDRESS
 * @param name      IFLA_IFNAME (rename; the kernel requires the link to be down)
 * @param master    IFLA_MASTER: a bridge's ifindex, 0 for {@code nomaster}
 * @param namespace IFLA_NET_NS_FD: move the link into this namespace
 * @param ipv4Conf  IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF settings, e.g. PROXY_ARP=1
 * @param group     IFLA_GROUP: the link's device group ({@code ip link set ... group N})
 */
public record LinkUpdate(Boolean up, Integer mtu, HardwareAddress address, String name, Integer master,
        NetNamespace namespace, Map<Ipv4Conf, Integer> ipv4Conf, Integer group) {
    public LinkUpdate {
        ipv4Conf = ipv4Conf == null ? Map.of() : Map.copyOf(ipv4Conf);
        if (name != null) {
            LinkSettings.validateName(name);
        }
        if (mtu != null && mtu < 0) {
            throw new IllegalArgumentException("MTU " + mtu + " is negative");
        }
        if (master != null && master < 0) {
            throw new IllegalArgumentException("master ifindex " + master + " is negative");
        }
    }

    public static LinkUpdate none() {
        return new LinkUpdate(null, null, null, null, null, null, Map.of(), null);
    }

    public LinkUpdate withUp(boolean u) {
        return new LinkUpdate(u, mtu, address, name, master, namespace, ipv4Conf, group);
    }

    public LinkUpdate withMtu(int m) {
        return new LinkUpdate(up, m, address, name, master, namespace, ipv4Conf, group);
    }

    public LinkUpdate withAddress(HardwareAddress a) {
        return new LinkUpdate(up, mtu, a, name, master, namespace, ipv4Conf, group);
    }

    public LinkUpdate withName(String n) {
        return new LinkUpdate(up, mtu, address, n, master, namespace, ipv4Conf, group);
    }

    /** Enslave to a bridge; 0 releases ({@code nomaster}). */
    public LinkUpdate withMaster(int ifindex) {
        return new LinkUpdate(up, mtu, address, name, ifindex, namespace, ipv4Conf, group);
    }

    public LinkUpdate withNamespace(NetNamespace ns) {
        return new LinkUpdate(up, mtu, address, name, master, ns, ipv4Conf, group);
    }

    public LinkUpdate withIpv4Conf(Ipv4Conf key, int value) {
        Map<Ipv4Conf, Integer> m = new EnumMap<>(Ipv4Conf.class);
        m.putAll(ipv4Conf);
        m.put(key, value);
        return new LinkUpdate(up, mtu, address, name, master, namespace, m, group);
    }

    public LinkUpdate withGroup(int g) {
        return new LinkUpdate(up, mtu, address, name, master, namespace, ipv4Conf, g);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (up != null) {
            sb.append(up ? " up" : " down");
        }
        if (mtu != null) {
            sb.append(" mtu ").append(mtu);
        }
        if (address != null) {
            sb.append(" address ").append(address);
        }
        if (name != null) {
            sb.append(" name ").append(name);
        }
        if (master != null) {
            sb.append(master == 0 ? " nomaster" : " master #" + master);
        }
        if (namespace != null) {
            sb.append(" netns ").append(namespace);
        }
        if (group != null) {
            sb.append(" group ").append(Integer.toUnsignedString(group));
        }
        ipv4Conf.forEach((k, v) -> sb.append(" ipv4.").append(k.name().toLowerCase()).append('=').append(v));
        return sb.toString().strip();
    }
}
