package dev.viaduct.agent.overlay;

import dev.viaduct.sys.net.IpAddresses;
import java.net.InetAddress;

/**
 * How packets for a peer node's pods leave this node: the per-peer outcome of the encapsulation decision
 * ({@link EncapPolicy}). Switch over it exhaustively.
 */
public sealed interface PathToPeer {
    /** A short text for status and logs ({@code native via 10.168.0.12}, {@code vxlan via 10.244.1.0}). */
    String describe();

    /** Plain routing: {@code block via <node IP> dev <uplink>}. */
    record Native(InetAddress gateway) implements PathToPeer {
        @Override
        public String describe() {
            return "native via " + IpAddresses.format(gateway);
        }
    }

    /**
     * VXLAN: {@code block via <peer VTEP> dev vxlan.viaduct onlink}, plus the neighbour and FDB entries that
     * resolve the VTEP to its MAC and the MAC to the peer's node address.
     */
    record Vxlan(VxlanPeer peer) implements PathToPeer {
        @Override
        public String describe() {
            return "vxlan via " + IpAddresses.format(peer.vtep()) + " (node " + IpAddresses.format(peer.underlay()) + ")";
        }
    }

    /** IPIP: {@code block via <node IP> dev tunl0 onlink}: tunl0 takes the outer destination from the gateway. */
    record Ipip(InetAddress underlay) implements PathToPeer {
        @Override
        public String describe() {
            return "ipip via " + IpAddresses.format(underlay);
        }
    }

    /** No route can work (yet): the reason is reported by peer name. */
    record Unroutable(String reason) implements PathToPeer {
        @Override
        public String describe() {
            return "unroutable: " + reason;
        }
    }
}
