package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Uapi;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * A route as rtnetlink describes it ({@code struct rtmsg} + RTA_* attributes), immutable.
 *
 * <p>Nexthops are always a list: empty for blackhole/unreachable/prohibit routes, one element for a
 * single-path route (encoded as RTA_GATEWAY/RTA_OIF, flags in {@code rtm_flags}), several for ECMP
 * (RTA_MULTIPATH). Build with {@link #to} and the {@code with*} methods, which mirror {@code ip route}:
 * <pre>{@code
 * // ip route add 10.244.1.0/24 via 10.168.0.3 proto 86
 * Route.to(IpPrefix.parse("10.244.1.0/24")).withGateway(gw).withProtocol(RouteProtocol.VIADUCT)
 * // ip route add 10.244.0.7/32 dev vdc1234567890a scope link proto 86
 * Route.to(IpPrefix.parse("10.244.0.7/32")).withDevice(idx).withScope(RouteScope.LINK)
 * }</pre>
 * Kernel-only attributes (RTA_CACHEINFO, RTA_PREF, RTA_EXPIRES, metrics) are not kept.
 *
 * @param destination     RTA_DST + rtm_dst_len
 * @param table           routing table id (RTA_TABLE, u32); {@link #MAIN} is 254
 * @param type            rtm_type
 * @param protocol        rtm_protocol: who owns the route
 * @param scope           rtm_scope
 * @param nexthops        paths; see above
 * @param preferredSource RTA_PREFSRC ({@code src} in ip), or null
 * @param metric          RTA_PRIORITY (u32, {@code metric} in ip), 0 when unset
 */
public record Route(IpPrefix destination, int table, RouteType type, RouteProtocol protocol, RouteScope scope,
        List<Nexthop> nexthops, InetAddress preferredSource, long metric) {
    public static final int MAIN = Uapi.RT_TABLE_MAIN;
    public static final int LOCAL = Uapi.RT_TABLE_LOCAL;

    public Route {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(scope, "scope");
        nexthops = List.copyOf(nexthops);
        if (metric < 0 || metric > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("route metric " + metric + " out of range 0..4294967295");
        }
        if (preferredSource != null && AddressFamily.of(preferredSource) != AddressFamily.of(destination)) {
            throw new IllegalArgumentException("preferred source " + IpAddresses.format(preferredSource)
                    + " is not of the family of " + destination);
        }
        if (!type.hasNexthops() && !nexthops.isEmpty()) {
            throw new IllegalArgumentException(type.name().toLowerCase() + " route " + destination + " cannot have nexthops");
        }
    }

    /** A unicast route to {@code destination}: main table, protocol boot, scope global — {@code ip route add}'s defaults. */
    public static Route to(IpPrefix destination) {
        return new Route(destination, MAIN, RouteType.UNICAST, RouteProtocol.BOOT, RouteScope.UNIVERSE, List.of(), null, 0);
    }

    /** {@code ip route add blackhole <destination>}. */
    public static Route blackhole(IpPrefix destination) {
        return to(destination).withType(RouteType.BLACKHOLE);
    }

    /** {@code ip route add unreachable <destination>}. */
    public static Route unreachable(IpPrefix destination) {
        return to(destination).withType(RouteType.UNREACHABLE);
    }

    public AddressFamily family() {
        return AddressFamily.of(destination);
    }

    /** The only nexthop's gateway, or null (none, or ECMP). */
    public InetAddress gateway() {
        return nexthops.size() == 1 ? nexthops.getFirst().gateway() : null;
    }

    /** The only nexthop's device, or 0. */
    public int ifindex() {
        return nexthops.size() == 1 ? nexthops.getFirst().ifindex() : 0;
    }

    /** Sets (or replaces) the gateway of a single-path route, keeping its device and flags. */
    public Route withGateway(InetAddress gateway) {
        Nexthop n = single();
        return withNexthops(List.of(new Nexthop(gateway, n == null ? 0 : n.ifindex(), n == null ? 0 : n.flags(), 1)));
    }

    /** Sets the device of a single-path route, keeping its gateway and flags. */
    public Route withDevice(int ifindex) {
        Nexthop n = single();
        return withNexthops(List.of(new Nexthop(n == null ? null : n.gateway(), ifindex, n == null ? 0 : n.flags(), 1)));
    }

    /** Marks the single path {@code onlink}. */
    public Route withOnlink() {
        Nexthop n = single();
        if (n == null) {
            throw new IllegalStateException("onlink needs a gateway or device first: " + this);
        }
        return withNexthops(List.of(n.onlink()));
    }

    public Route withNexthops(List<Nexthop> paths) {
        return new Route(destination, table, type, protocol, scope, paths, preferredSource, metric);
    }

    public Route withTable(int t) {
        return new Route(destination, t, type, protocol, scope, nexthops, preferredSource, metric);
    }

    public Route withType(RouteType t) {
        return new Route(destination, table, t, protocol, scope, t.hasNexthops() ? nexthops : List.of(), preferredSource, metric);
    }

    public Route withProtocol(RouteProtocol p) {
        return new Route(destination, table, type, p, scope, nexthops, preferredSource, metric);
    }

    public Route withScope(RouteScope s) {
        return new Route(destination, table, type, protocol, s, nexthops, preferredSource, metric);
    }

    public Route withPreferredSource(InetAddress src) {
        return new Route(destination, table, type, protocol, scope, nexthops, src, metric);
    }

    public Route withMetric(long m) {
        return new Route(destination, table, type, protocol, scope, nexthops, preferredSource, m);
    }

    private Nexthop single() {
        if (nexthops.size() > 1) {
            throw new IllegalStateException("route " + destination + " has " + nexthops.size() + " nexthops; use withNexthops");
        }
        return nexthops.isEmpty() ? null : nexthops.getFirst();
    }

    /**
     * As {@code ip route show} prints it, the one text of a kernel route (agent status, {@code viaduct ctl},
     * the lab): {@code 10.244.1.0/24 via 10.168.0.3 dev eth0 proto viaduct}, {@code 10.244.0.7 dev vdc… proto
     * viaduct scope link}. A host destination is printed without its length; devices are named by
     * {@code deviceName} (given the ifindex); {@code proto boot}, {@code scope global}, the main table and
     * metric 0 are left out, as {@code ip} does.
     */
    public String text(IntFunction<String> deviceName) {
        return format(true, deviceName);
    }

    /** In {@code ip route} syntax with devices as indexes, e.g. {@code 10.244.1.0/24 via 10.168.0.3 dev #2 proto viaduct}. */
    @Override
    public String toString() {
        return format(false, i -> "#" + i);
    }

    private String format(boolean bareHost, IntFunction<String> deviceName) {
        StringBuilder sb = new StringBuilder();
        if (type != RouteType.UNICAST) {
            sb.append(type.name().toLowerCase(Locale.ROOT)).append(' ');
        }
        sb.append(bareHost && destination.isHost() ? destination.addressText() : destination.toString());
        if (nexthops.size() == 1) {
            sb.append(' ').append(nexthops.getFirst().text(deviceName));
        } else {
            for (Nexthop n : nexthops) {
                sb.append(" nexthop ").append(n.text(deviceName));
            }
        }
        if (table != MAIN) {
            sb.append(" table ").append(Integer.toUnsignedString(table));
        }
        if (!protocol.equals(RouteProtocol.BOOT)) {
            sb.append(" proto ").append(protocol);
        }
        if (!scope.equals(RouteScope.UNIVERSE)) {
            sb.append(" scope ").append(scope);
        }
        if (preferredSource != null) {
            sb.append(" src ").append(IpAddresses.format(preferredSource));
        }
        if (metric != 0) {
            sb.append(" metric ").append(metric);
        }
        return sb.toString();
    }
}
