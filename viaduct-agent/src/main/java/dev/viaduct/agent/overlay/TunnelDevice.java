package dev.viaduct.agent.overlay;

import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;

/**
 * A tunnel device as the kernel has it (read back, or wanted).
 *
 * @param kind      the kernel's link kind ({@code vxlan}, {@code ipip}, or something else that took the name)
 * @param mac       the device MAC (VXLAN), or null
 * @param addresses its addresses
 * @param vni       VXLAN network identifier (VXLAN only, else 0)
 * @param local     the outer source address (VXLAN), or null
 * @param port      VXLAN destination UDP port (else 0)
 * @param learning  VXLAN source-MAC learning
 */
public record TunnelDevice(String name, String kind, int mtu, boolean up, HardwareAddress mac, List<IpPrefix> addresses,
        int vni, InetAddress local, int port, boolean learning) {
    public TunnelDevice {
        addresses = List.copyOf(addresses);
    }
}
