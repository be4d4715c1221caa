package dev.viaduct.agent.route;

import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * A route as Viaduct wants it (or found it) in the kernel. Identity is (table, destination): the kernel
 * allows one route per destination, table, TOS and metric, and Viaduct uses TOS 0 and metric 0.
 *
 * @param nextHops one entry for a plain route, several for ECMP, none for blackhole/unreachable
 */
public record Route(IpPrefix destination, Type type, Scope scope, List<NextHop> nextHops, int table) {
    /** Linux's main table (RT_TABLE_MAIN). */
    public static final int MAIN_TABLE = 254;

    public enum Type { UNICAST, BLACKHOLE, UNREACHABLE }

    public enum Scope { UNIVERSE, LINK }

    /**
     * One way out.
     *
     * @param gateway empty for a directly connected route ({@code dev X scope link})
     * @param device  empty when the kernel should pick the device from the gateway
     * @param onlink  the gateway is on the device even without a matching connected subnet (tunnels)
     */
    public record NextHop(Optional<InetAddress> gateway, Optional<String> device, boolean onlink) {
        public static NextHop via(InetAddress gw, String device) {
            return new NextHop(Optional.of(gw), Optional.of(device), false);
        }

        public static NextHop onlinkVia(InetAddress gw, String device) {
            return new NextHop(Optional.of(gw), Optional.of(device), true);
        }

        public static NextHop dev(String device) {
            return new NextHop(Optional.empty(), Optional.of(device), false);
        }

        @Override
        public String toString() {
            return gateway.map(g -> "via " + IpAddresses.format(g) + " ").orElse("") + device.map(d -> "dev " + d).orElse("")
                    + (onlink ? " onlink" : "");
        }
    }

    public Route {
        nextHops = List.copyOf(nextHops);
        if (type != Type.UNICAST && !nextHops.isEmpty()) {
            throw new IllegalArgumentException(type + " route to " + destination + " cannot have next hops");
        }
        if (type == Type.UNICAST && nextHops.isEmpty()) {
            throw new IllegalArgumentException("unicast route to " + destination + " needs a next hop");
        }
    }

    public record Key(int table, IpPrefix destination) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Integer.compare(table, o.table);
            return c != 0 ? c : destination.compareTo(o.destination);
        }

        @Override
        public String toString() {
            return destination + (table == MAIN_TABLE ? "" : " table " + table);
        }
    }

    public Key key() {
        return new Key(table, destination);
    }

    /** {@code podIP dev vdcX scope link}. */
    public static Route direct(IpPrefix dst, String device) {
        return new Route(dst, Type.UNICAST, Scope.LINK, List.of(NextHop.dev(device)), MAIN_TABLE);
    }

    /** {@code block via gw dev uplink}. */
    public static Route via(IpPrefix dst, InetAddress gw, String device) {
        return new Route(dst, Type.UNICAST, Scope.UNIVERSE, List.of(NextHop.via(gw, device)), MAIN_TABLE);
    }

    public static Route blackhole(IpPrefix dst) {
        return new Route(dst, Type.BLACKHOLE, Scope.UNIVERSE, List.of(), MAIN_TABLE);
    }

    /**
     * Whether {@code other} is the same route: same destination, type, scope and table, and the same next hops
     * in any order (the kernel may reorder ECMP legs). A next hop without a device matches any device: the
     * kernel fills in the device it resolved the gateway to.
     */
    public boolean sameAs(Route other) {
        if (!destination.equals(other.destination) || type != other.type || scope != other.scope
                || table != other.table || nextHops.size() != other.nextHops.size()) {
            return false;
        }
        List<NextHop> left = new java.util.ArrayList<>(other.nextHops);
        for (NextHop h : nextHops) {
            boolean found = false;
            for (var it = left.iterator(); it.hasNext();) {
                NextHop o = it.next();
                if (h.gateway().equals(o.gateway()) && h.onlink() == o.onlink()
                        && (h.device().isEmpty() || o.device().isEmpty() || h.device().equals(o.device()))) {
                    it.remove();
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** In {@code ip route} syntax, for logs, status and the demo. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (type != Type.UNICAST) {
            sb.append(type.name().toLowerCase()).append(' ');
        }
        sb.append(destination.isHost() ? destination.addressText() : destination.toString());
        if (nextHops.size() == 1) {
            sb.append(' ').append(nextHops.getFirst());
        } else {
            for (NextHop h : nextHops) {
                sb.append(" nexthop ").append(h);
            }
        }
        if (scope == Scope.LINK) {
            sb.append(" scope link");
        }
        if (table != MAIN_TABLE) {
            sb.append(" table ").append(table);
        }
        return sb.toString();
    }
}
