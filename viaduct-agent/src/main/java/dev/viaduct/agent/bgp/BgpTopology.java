package dev.viaduct.agent.bgp;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.NodeSelector;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Who this node peers with, computed from the store's BGP settings, peer records, per-node settings and
 * node records. Pure function; the same inputs give every node a consistent, symmetric view (if A peers with
 * B, B peers with A).
 */
public final class BgpTopology {
    private BgpTopology() {
    }

    /**
     * One session this node should have.
     *
     * @param passive wait for the peer to connect, never connect to it: set towards another node whose address is
     *     higher than this node's (see {@link #waitsFor})
     */
    public record Peer(String name, InetAddress address, long asn, boolean rrClient, String password, boolean bfd,
            boolean node, boolean passive) {
    }

    /** This node's local settings plus its peers, and problems worth reporting (bad selectors, missing addresses). */
    public record Plan(long localAsn, Optional<InetAddress> clusterId, List<Peer> peers, SortedMap<String, String> problems) {
    }

    public static Plan compute(String self, Map<String, NodeRecord> nodes, BgpSettings settings,
            Map<String, BgpPeerRecord> peerRecords, Map<String, BgpNodeSettings> nodeSettings) {
        SortedMap<String, String> problems = new TreeMap<>();
        NodeRecord me = nodes.get(self);
        Map<String, String> myLabels = me == null ? Map.of() : me.labels();
        Optional<InetAddress> myCluster = clusterId(self, nodeSettings, problems);
        InetAddress myAddress = me == null ? null : peeringAddress(me).orElse(null);
        Map<InetAddress, Peer> peers = new LinkedHashMap<>();

        if (settings.mesh()) {
            for (NodeRecord n : nodes.values()) {
                if (!n.name().equals(self)) {
                    nodePeer(n, myAddress, settings, nodeSettings, myCluster, null, problems).ifPresent(p -> peers.putIfAbsent(p.address(), p));
                }
            }
        }
        for (var e : new TreeMap<>(peerRecords).entrySet()) {
            String name = e.getKey();
            BgpPeerRecord r = e.getValue();
            NodeSelector nodeSel;
            NodeSelector peerSel;
            try {
                nodeSel = NodeSelector.parse(r.nodeSelector());
                peerSel = r.peerSelector() == null ? null : NodeSelector.parse(r.peerSelector());
            } catch (IllegalArgumentException ex) {
                problems.put("peer " + name, "bad selector: " + ex.getMessage());
                continue;
            }
            boolean appliesToMe = (r.node() == null || r.node().equals(self)) && nodeSel.matches(myLabels);
            if (r.address() != null && !r.address().isBlank()) {
                if (!appliesToMe) {
                    continue;
                }
                InetAddress addr;
                try {
                    addr = IpAddresses.parse(r.address());
                } catch (IllegalArgumentException ex) {
                    problems.put("peer " + name, "address: " + ex.getMessage());
                    continue;
                }
                if (r.asn() == null || r.asn() < 1 || r.asn() > 0xffffffffL) {
                    problems.put("peer " + name, "asn: must be 1..4294967295");
                    continue;
                }
                peers.put(addr, new Peer(name, addr, r.asn(), false, r.password(), r.bfd() != null && r.bfd(), false, false));
            } else if (peerSel != null) {
                for (NodeRecord n : nodes.values()) {
                    if (n.name().equals(self)) {
                        continue;
                    }
                    boolean forward = appliesToMe && peerSel.matches(n.labels());
                    // symmetric: if n applies this record and selects me, I peer with n too
                    boolean reverse = (r.node() == null || r.node().equals(n.name())) && nodeSel.matches(n.labels())
                            && peerSel.matches(myLabels);
                    if (forward || reverse) {
                        nodePeer(n, myAddress, settings, nodeSettings, myCluster, r, problems)
                                .ifPresent(p -> peers.putIfAbsent(p.address(), p));
                    }
                }
            } else {
                problems.put("peer " + name, "needs either address+asn or peerSelector");
            }
        }
        return new Plan(asnOf(self, settings, nodeSettings), myCluster, new ArrayList<>(peers.values()), problems);
    }

    static long asnOf(String node, BgpSettings settings, Map<String, BgpNodeSettings> nodeSettings) {
        BgpNodeSettings s = nodeSettings.get(node);
        return s != null && s.asn() != null ? s.asn() : settings.asnOrDefault();
    }

    private static Optional<InetAddress> clusterId(String node, Map<String, BgpNodeSettings> nodeSettings,
            SortedMap<String, String> problems) {
        BgpNodeSettings s = nodeSettings.get(node);
        if (s == null || s.routeReflectorClusterId() == null || s.routeReflectorClusterId().isBlank()) {
            return Optional.empty();
        }
        try {
            InetAddress a = IpAddresses.parse(s.routeReflectorClusterId());
            if (a.getAddress().length != 4) {
                throw new IllegalArgumentException("not IPv4");
            }
            return Optional.of(a);
        } catch (IllegalArgumentException e) {
            problems.put("node " + node, "routeReflectorClusterId \"" + s.routeReflectorClusterId() + "\" is not an IPv4 address");
            return Optional.empty();
        }
    }

    /**
     * Whether a node at {@code self} leaves it to the node at {@code peer} to open their session: the lower
     * address waits, the higher one connects. Both ends of a node-to-node session compute this from the same two
     * node records, so exactly one of them connects. Two nodes that both connect meet in a connection collision
     * (RFC 4271 §6.8): two sockets per session until one is closed, and a restart of both at once (a mesh coming
     * up) that churns through connects, refusals and collision NOTIFICATIONs; Calico's BIRD mesh makes the same
     * choice ("passive on" towards a higher peer address). Addresses of different families both connect.
     */
    public static boolean waitsFor(InetAddress self, InetAddress peer) {
        byte[] a = self.getAddress();
        byte[] b = peer.getAddress();
        return a.length == b.length && Arrays.compareUnsigned(a, b) < 0;
    }

    private static Optional<InetAddress> peeringAddress(NodeRecord n) {
        try {
            return n.address(true).map(IpPrefix::address);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<Peer> nodePeer(NodeRecord n, InetAddress myAddress, BgpSettings settings,
            Map<String, BgpNodeSettings> nodeSettings, Optional<InetAddress> myCluster, BgpPeerRecord via,
            SortedMap<String, String> problems) {
        Optional<InetAddress> addr = peeringAddress(n);
        if (addr.isEmpty()) {
            problems.put("node " + n.name(), "has no IPv4 address to peer with");
            return Optional.empty();
        }
        BgpNodeSettings theirs = nodeSettings.get(n.name());
        boolean theyReflect = theirs != null && theirs.routeReflectorClusterId() != null && !theirs.routeReflectorClusterId().isBlank();
        // RFC 4456: a reflector treats peers that are not reflectors (of any cluster) as its clients
        boolean client = myCluster.isPresent() && !theyReflect;
        boolean bfd = via != null && via.bfd() != null ? via.bfd() : settings.bfdOrDefault();
        return Optional.of(new Peer("node:" + n.name(), addr.get(), asnOf(n.name(), settings, nodeSettings), client,
                via == null ? null : via.password(), bfd, true, myAddress != null && waitsFor(myAddress, addr.get())));
    }
}
