package dev.viaduct.agent.node;

import dev.viaduct.netlink.Address;
import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteScope;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The interface pod traffic leaves by, with the node's addresses on it (subnet prefix included) and its MTU.
 *
 * <p>Autodetection, in order: the configured interface; the interface holding the configured address; the
 * first interface with an address inside {@code autodetectCidr}; the default route's interface. The subnet
 * prefix is kept: a /32 node address is an error, because neither host-gw's on-link check nor CrossSubnet can
 * decide anything without it.
 */
public record Uplink(String device, int ifindex, int mtu, List<IpPrefix> addresses) {
    public Uplink {
        addresses = List.copyOf(addresses);
    }

    /** The primary node address (the first IPv4 one, else the first). */
    public IpPrefix primary() {
        return addresses.stream().filter(IpPrefix::isIpv4).findFirst().orElse(addresses.getFirst());
    }

    /** Thrown when no usable uplink can be found; the message says what to configure. */
    public static final class UplinkException extends Exception {
        public UplinkException(String message) {
            super(message);
        }
    }

    public static Uplink detect(Rtnl host, Optional<String> device, Optional<IpPrefix> address, Optional<IpPrefix> autodetectCidr)
            throws UplinkException {
        List<Link> links = host.links();
        Link link = null;
        if (device.isPresent()) {
            link = links.stream().filter(l -> l.name().equals(device.get())).findFirst()
                    .orElseThrow(() -> new UplinkException("node.uplink: interface " + device.get() + " does not exist"));
        } else if (address.isPresent()) {
            for (Link l : links) {
                if (globalAddresses(host, l).stream().anyMatch(c -> c.address().equals(address.get().address()))) {
                    link = l;
                }
            }
            if (link == null) {
                throw new UplinkException("node.address: " + address.get() + " is not configured on any interface");
            }
        } else if (autodetectCidr.isPresent()) {
            for (Link l : links) {
                if (link == null && globalAddresses(host, l).stream().anyMatch(c -> autodetectCidr.get().contains(c.address()))) {
                    link = l;
                }
            }
            if (link == null) {
                throw new UplinkException("node.autodetectCidr: no interface has an address inside " + autodetectCidr.get());
            }
        } else {
            int idx = host.routes(AddressFamily.INET).stream()
                    .filter(r -> r.table() == Route.MAIN && r.destination().length() == 0 && r.ifindex() > 0)
                    .mapToInt(Route::ifindex).findFirst()
                    .orElseThrow(() -> new UplinkException("no default route to find the uplink by; set node.uplink or node.address"));
            link = links.stream().filter(l -> l.index() == idx).findFirst().orElseThrow();
        }
        List<IpPrefix> addrs = globalAddresses(host, link);
        if (address.isPresent()) {
            IpPrefix want = address.get();
            Optional<IpPrefix> onLink = addrs.stream().filter(c -> c.address().equals(want.address())).findFirst();
            if (onLink.isEmpty()) {
                throw new UplinkException("node.address: " + want + " is not configured on " + link.name() + " (it has "
                        + addrs + ")");
            }
            if (onLink.get().length() != want.length()) {
                throw new UplinkException("node.address: " + want + " does not match " + onLink.get() + " on " + link.name());
            }
            addrs = new ArrayList<>(addrs);
            addrs.remove(onLink.get());
            addrs.addFirst(want);
        } else if (autodetectCidr.isPresent()) {
            addrs = addrs.stream().filter(c -> autodetectCidr.get().contains(c.address())).toList();
        }
        if (addrs.isEmpty()) {
            throw new UplinkException("uplink " + link.name() + " has no global IPv4/IPv6 address; set node.address");
        }
        IpPrefix first = addrs.getFirst();
        if (first.isHost()) {
            throw new UplinkException("node address " + first + " on " + link.name() + " has no subnet prefix (/"
                    + first.length() + "): peers' on-link and CrossSubnet decisions need it; configure the address "
                    + "with its real prefix (e.g. /24) or set node.address");
        }
        return new Uplink(link.name(), link.index(), link.mtu(), addrs);
    }

    private static List<IpPrefix> globalAddresses(Rtnl host, Link l) {
        List<IpPrefix> out = new ArrayList<>();
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            for (Address a : host.addresses(f, l.index())) {
                if (a.scope().equals(RouteScope.UNIVERSE)) {
                    out.add(a.address());
                }
            }
        }
        return out;
    }
}
