package dev.viaduct.lab;

import dev.viaduct.netlink.Nexthop;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.RouteScope;
import java.net.InetAddress;
import java.util.Map;

/**
 * A kernel route as one line of {@code ip route} output (the subset the lab prints and the lab tests compare):
 * type, destination (a host route without its /32), gateway or nexthops, device, {@code onlink}, protocol
 * and {@code scope link}. Pure.
 */
final class RouteText {
    private RouteText() {
    }

    /** {@code names} maps ifindex to interface name; an unknown index prints as {@code if<index>}. */
    static String format(Route r, Map<Integer, String> names) {
        StringBuilder sb = new StringBuilder();
        switch (r.type()) {
            case BLACKHOLE -> sb.append("blackhole ");
            case UNREACHABLE -> sb.append("unreachable ");
            default -> {
            }
        }
        sb.append(r.destination().isHost() ? hostText(r.destination().address())
                : r.destination().toString());
        if (r.nexthops().size() > 1) {
            for (var h : r.nexthops()) {
                sb.append(" nexthop");
                if (h.gateway() != null) {
                    sb.append(" via ").append(hostText(h.gateway()));
                }
                if (h.ifindex() > 0) {
                    sb.append(" dev ").append(names.getOrDefault(h.ifindex(), "if" + h.ifindex()));
                }
            }
        } else {
            if (r.gateway() != null) {
                sb.append(" via ").append(hostText(r.gateway()));
            }
            if (r.ifindex() > 0) {
                sb.append(" dev ").append(names.getOrDefault(r.ifindex(), "if" + r.ifindex()));
            }
            if (r.nexthops().size() == 1 && r.nexthops().getFirst().has(Nexthop.ONLINK)) {
                sb.append(" onlink"); // tunnel routes: the gateway is a VTEP, not in a connected subnet
            }
        }
        sb.append(" proto ").append(r.protocol().code() == RouteProtocol.VIADUCT.code() ? "viaduct" : r.protocol());
        if (r.scope().equals(RouteScope.LINK)) {
            sb.append(" scope link");
        }
        return sb.toString();
    }

    private static String hostText(InetAddress a) {
        return a.getHostAddress();
    }
}
