package dev.viaduct.netlink;

import dev.viaduct.sys.net.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A link to create (RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL). One record per kind the agent programs;
 * the encoder switches over them exhaustively.
 */
public sealed interface LinkSpec {
    LinkSettings settings();

    default String name() {
        return settings().name();
    }

    /**
     * A veth pair: {@code ip link add <link> [netns <ns>] type veth peer name <peer> [netns <ns>]}. Either end
     * may name another namespace and is then created there directly (IFLA_NET_NS_FD; the peer's goes inside
     * VETH_INFO_PEER), so a pod's {@code eth0} never exists in the host namespace, even briefly.
     *
     * <p>The kernel cannot open the peer while creating the pair (drivers/net/veth.c: veth_open fails with
     * ENOTCONN until both ends are linked), so a peer created {@code up} is brought up by a second request,
     * RTM_SETLINK by name, once the creation succeeded (if that fails, the pair is deleted again). That request
     * goes through the socket's namespace, so an {@code up} peer must be created there: put the end that lives
     * elsewhere (the pod's {@code eth0}) first.
     */
    record Veth(LinkSettings settings, LinkSettings peer) implements LinkSpec {
        public Veth {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(peer, "peer");
            if (peer.up() && peer.namespace() != null) {
                throw new IllegalArgumentException("veth peer " + peer.name() + " can be created up only in the socket's own"
                        + " namespace; make the end in " + peer.namespace() + " the first one");
            }
        }
    }

    /** A bridge: {@code ip link add <name> type bridge}. */
    record Bridge(LinkSettings settings) implements LinkSpec {
        public Bridge {
            Objects.requireNonNull(settings, "settings");
        }
    }

    /**
     * A VXLAN device: {@code ip link add <name> type vxlan id <vni> local <ip> dstport <port> nolearning
     * [dev <underlay>]}.
     *
     * @param vni      0..16777215
     * @param local    source address of encapsulated packets, or null
     * @param port     destination UDP port, 1..65535 (4789 per RFC 7348 §5)
     * @param learning learn remote MACs from received packets; the agent programs the FDB and turns it off
     * @param underlay ifindex packets leave by, or 0
     */
    record Vxlan(LinkSettings settings, int vni, InetAddress local, int port, boolean learning, int underlay)
            implements LinkSpec {
        public static final int IANA_PORT = 4789;

        public Vxlan {
            Objects.requireNonNull(settings, "settings");
            if (vni < 0 || vni > 0xFFFFFF) {
                throw new IllegalArgumentException("VNI " + vni + " of " + settings.name() + " out of range 0..16777215");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("VXLAN port " + port + " of " + settings.name() + " out of range 1..65535");
            }
            if (underlay < 0) {
                throw new IllegalArgumentException("underlay ifindex " + underlay + " is negative");
            }
        }

        public Vxlan withPort(int p) {
            return new Vxlan(settings, vni, local, p, learning, underlay);
        }

        public Vxlan withLearning(boolean l) {
            return new Vxlan(settings, vni, local, port, l, underlay);
        }

        public Vxlan withUnderlay(int ifindex) {
            return new Vxlan(settings, vni, local, port, learning, ifindex);
        }
    }

    /**
     * An IPv4-in-IPv4 tunnel: {@code ip link add <name> type ipip [local <ip>] [remote <ip>] [ttl N] [dev X]}.
     * With neither local nor remote it is a catch-all like {@code tunl0}: it receives IPIP from any host and
     * sends to the gateway given by each route ({@code via <node> dev tunl0 onlink}).
     */
    record Ipip(LinkSettings settings, InetAddress local, InetAddress remote, int ttl, int underlay) implements LinkSpec {
        public Ipip {
            Objects.requireNonNull(settings, "settings");
            if (local != null && !(local instanceof Inet4Address)) {
                throw new IllegalArgumentException("ipip local " + IpAddresses.format(local) + " must be IPv4");
            }
            if (remote != null && !(remote instanceof Inet4Address)) {
                throw new IllegalArgumentException("ipip remote " + IpAddresses.format(remote) + " must be IPv4");
            }
            if (ttl < 0 || ttl > 255) {
                throw new IllegalArgumentException("ipip ttl " + ttl + " out of range 0..255");
            }
            if (underlay < 0) {
                throw new IllegalArgumentException("underlay ifindex " + underlay + " is negative");
            }
        }
    }

    static Veth veth(LinkSettings link, LinkSettings peer) {
        return new Veth(link, peer);
    }

    static Bridge bridge(LinkSettings link) {
        return new Bridge(link);
    }

    /** VXLAN with {@code dstport 4789 nolearning}, no underlay device. */
    static Vxlan vxlan(LinkSettings link, int vni, InetAddress local) {
        return new Vxlan(link, vni, local, Vxlan.IANA_PORT, false, 0);
    }

    /** A catch-all ipip device ({@code tunl0}-style: no local, no remote, ttl inherit). */
    static Ipip ipip(LinkSettings link) {
        return new Ipip(link, null, null, 0, 0);
    }
}
