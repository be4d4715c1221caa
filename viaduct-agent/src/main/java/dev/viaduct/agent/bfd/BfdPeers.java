package dev.viaduct.agent.bfd;

import dev.viaduct.bfd.daemon.protocol.BfddMessage.DesiredSession;
import dev.viaduct.bfd.session.Timers;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which BFD sessions a node runs, from the peers that want one: pure planning, no I/O.
 *
 * <p>Single-hop BFD (RFC 5881) only works with a directly connected peer (packets are sent and checked with
 * TTL 255, §5), so a peer gets a session only when one of this node's uplink subnets contains its address; the
 * session's local address is our address in that subnet. Other peers (routed across racks, reached through a
 * tunnel) are reported, not silently dropped: their failures are still found by the node lease or BGP's hold
 * timer.
 */
public final class BfdPeers {
    private BfdPeers() {
    }

    /** A peer that wants BFD: a node (host-gw) or a BGP peer with BFD on. */
    public record Peer(String name, InetAddress address) {
    }

    /** The sessions to run, and the peers left out with why (by peer name). */
    public record Plan(List<DesiredSession> sessions, SortedMap<String, String> skipped) {
    }

    /**
     * @param local  this node's uplink addresses with their prefixes
     * @param uplink the uplink's name (IPv6 link-local peers are bound to it)
     */
    public static Plan plan(List<Peer> peers, List<IpPrefix> local, String uplink, Timers timers) {
        List<DesiredSession> sessions = new ArrayList<>();
        SortedMap<String, String> skipped = new TreeMap<>();
        Set<InetAddress> seen = new HashSet<>();
        Set<InetAddress> mine = new HashSet<>();
        local.forEach(c -> mine.add(c.address()));
        for (Peer p : peers) {
            if (mine.contains(p.address())) {
                skipped.put(p.name(), p.address().getHostAddress() + " is this node's own address");
                continue;
            }
            if (!seen.add(p.address())) {
                continue; // one session per peer address (RFC 5882 §6: one per data protocol and path)
            }
            Optional<IpPrefix> on = local.stream()
                    .filter(c -> c.isIpv4() == (p.address().getAddress().length == 4))
                    .filter(c -> !c.isHost() && c.contains(p.address()))
                    .findFirst();
            if (on.isEmpty()) {
                skipped.put(p.name(), p.address().getHostAddress() + " is not on a connected subnet of " + uplink + " " + local
                        + ": single-hop BFD (RFC 5881) needs a directly connected peer");
                continue;
            }
            Optional<String> dev = p.address().isLinkLocalAddress() ? Optional.of(uplink) : Optional.empty();
            sessions.add(new DesiredSession(p.name(), p.address(), on.get().address(), dev, timers));
        }
        return new Plan(sessions, skipped);
    }
}
