package dev.viaduct.agent.route;

import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.BatchResult;
import dev.viaduct.netlink.KnownLinks;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.NetlinkException;
import dev.viaduct.netlink.Nexthop;
import dev.viaduct.netlink.Request;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.RouteScope;
import dev.viaduct.netlink.RouteType;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.sys.net.IpPrefix;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@link RouteTable} over viaduct-netlink in one namespace (the node's). Sees and touches only routes
 * carrying {@code protocol} in the main table; device names are resolved to ifindexes per call from a fresh
 * link dump, so a renamed or recreated device is never confused with its predecessor. Events are judged by
 * {@link KnownLinks}: route events are named from it, not from a dump each (a burst of pod ADDs made one per
 * pod), and only a link event that may have cost routes asks for a dump ({@link Event.LinksChanged}).
 *
 * <p>Concurrency: the {@link Rtnl} socket serialises requests itself; events arrive on the netlink events
 * thread, which alone uses the link map once the subscription has started.
 */
public final class NetlinkRouteTable implements RouteTable, AutoCloseable {
    private final NetNamespace ns;
    private final Rtnl rtnl;
    private final RouteProtocol protocol;
    /** The links as the link events have them; the events thread's once subscribed. */
    private final KnownLinks known = new KnownLinks();

    public NetlinkRouteTable(NetNamespace ns, int protocol) {
        this.ns = ns;
        this.rtnl = ns.openRtnl();
        this.protocol = RouteProtocol.of(protocol);
    }

    @Override
    public List<Route> dumpOwned() throws RouteTableException {
        try {
            Map<Integer, String> names = linkNames();
            List<Route> out = new ArrayList<>();
            for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
                for (var r : rtnl.routes(f, dev.viaduct.netlink.Route.MAIN, protocol)) {
                    fromKernel(r, names).ifPresent(out::add);
                }
            }
            return out;
        } catch (NetlinkException e) {
            throw new RouteTableException("route dump failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Outcome> apply(List<Change> changes) throws RouteTableException {
        Map<String, Integer> index = new HashMap<>();
        try {
            for (Link l : rtnl.links()) {
                index.put(l.name(), l.index());
            }
        } catch (NetlinkException e) {
            throw new RouteTableException("link dump failed: " + e.getMessage(), e);
        }
        Outcome[] out = new Outcome[changes.size()];
        List<Request> requests = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            Change c = changes.get(i);
            String missing = null;
            for (Route.NextHop h : c.route().nextHops()) {
                if (h.device().isPresent() && !index.containsKey(h.device().get())) {
                    missing = h.device().get();
                }
            }
            if (missing != null) {
                // a DELETE of a route over a vanished device: the kernel already flushed it
                out[i] = c.op() == Op.DELETE ? new Outcome.AlreadyGone() : new Outcome.DeviceMissing(missing);
                continue;
            }
            var kr = toKernel(c.route(), index);
            requests.add(switch (c.op()) {
                case ADD -> new Request.AddRoute(kr);
                case REPLACE -> new Request.ReplaceRoute(kr);
                case DELETE -> new Request.DeleteRoute(kr);
            });
            positions.add(i);
        }
        if (!requests.isEmpty()) {
            BatchResult res;
            try {
                res = rtnl.execute(requests);
            } catch (NetlinkException e) {
                throw new RouteTableException("route batch failed: " + e.getMessage(), e);
            }
            for (int k = 0; k < requests.size(); k++) {
                int i = positions.get(k);
                NetlinkException e = res.error(k);
                Op op = changes.get(i).op();
                if (e == null) {
                    out[i] = new Outcome.Done();
                } else if (e instanceof NetlinkException.AlreadyExists && op == Op.ADD) {
                    out[i] = new Outcome.Conflict("a route to " + changes.get(i).route().destination()
                            + " that Viaduct does not own already exists");
                } else if (e instanceof NetlinkException.NotFound && op == Op.DELETE) {
                    out[i] = new Outcome.AlreadyGone();
                } else if (e.errnoName().equals("ENODEV")) {
                    out[i] = new Outcome.DeviceMissing(changes.get(i).route().nextHops().isEmpty() ? "?"
                            : changes.get(i).route().nextHops().getFirst().device().orElse("?"));
                } else {
                    out[i] = new Outcome.Failed(e.getMessage());
                }
            }
        }
        return List.of(out);
    }

    @Override
    public AutoCloseable subscribe(Consumer<Event> listener) throws RouteTableException {
        try {
            known.reset(rtnl.links());
            NetlinkEvents ev = NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.IPV4_ROUTE,
                    NetlinkEvents.Group.IPV6_ROUTE, NetlinkEvents.Group.LINK), e -> deliver(e, listener));
            return ev;
        } catch (NetlinkException e) {
            throw new RouteTableException("cannot subscribe to route events: " + e.getMessage(), e);
        }
    }

    private void deliver(NetlinkEvent e, Consumer<Event> listener) {
        switch (e) {
            case NetlinkEvent.RouteRemoved r when ours(r.route()) ->
                fromKernel(r.route(), eventNames(r.route())).ifPresent(x -> listener.accept(new Event.Deleted(x)));
            case NetlinkEvent.RouteAdded r when ours(r.route()) ->
                fromKernel(r.route(), eventNames(r.route())).ifPresent(x -> listener.accept(new Event.Added(x)));
            case NetlinkEvent.RouteRemoved r when r.route().table() == dev.viaduct.netlink.Route.MAIN ->
                listener.accept(new Event.ForeignRouteRemoved());
            case NetlinkEvent.LinkRemoved l -> listener.accept(known.apply(l) ? new Event.LinksChanged() : new Event.LinkAppeared());
            case NetlinkEvent.LinkChanged l -> listener.accept(known.apply(l) ? new Event.LinksChanged() : new Event.LinkAppeared());
            case NetlinkEvent.ResyncNeeded r -> {
                try {
                    known.reset(rtnl.links()); // link events may be among those lost
                } catch (NetlinkException failed) {
                    // the resync the reconciler runs now dumps again; unknown devices count as new meanwhile
                }
                listener.accept(new Event.Overrun());
            }
            default -> {
            }
        }
    }

    /** Names for the devices {@code r} uses: from the event-kept map, or from a dump when it lacks one. */
    private Map<Integer, String> eventNames(dev.viaduct.netlink.Route r) {
        return r.nexthops().stream().anyMatch(n -> n.ifindex() > 0 && !known.knows(n.ifindex())) ? linkNamesQuietly() : known.names();
    }

    private boolean ours(dev.viaduct.netlink.Route r) {
        return r.protocol().equals(protocol) && r.table() == dev.viaduct.netlink.Route.MAIN;
    }

    private Map<Integer, String> linkNames() {
        Map<Integer, String> m = new HashMap<>();
        for (Link l : rtnl.links()) {
            m.put(l.index(), l.name());
        }
        return m;
    }

    private Map<Integer, String> linkNamesQuietly() {
        try {
            return linkNames();
        } catch (NetlinkException e) {
            return Map.of();
        }
    }

    dev.viaduct.netlink.Route toKernel(Route r, Map<String, Integer> index) {
        IpPrefix dst = r.destination();
        var kr = dev.viaduct.netlink.Route.to(dst).withProtocol(protocol).withTable(r.table())
                .withScope(r.scope() == Route.Scope.LINK ? RouteScope.LINK : RouteScope.UNIVERSE);
        switch (r.type()) {
            case BLACKHOLE -> {
                return kr.withType(RouteType.BLACKHOLE);
            }
            case UNREACHABLE -> {
                return kr.withType(RouteType.UNREACHABLE);
            }
            case UNICAST -> {
            }
        }
        List<Nexthop> hops = new ArrayList<>();
        for (Route.NextHop h : r.nextHops()) {
            Nexthop n = new Nexthop(h.gateway().orElse(null), h.device().map(index::get).orElse(0), 0, 1);
            hops.add(h.onlink() ? n.onlink() : n);
        }
        return kr.withNexthops(hops);
    }

    static Optional<Route> fromKernel(dev.viaduct.netlink.Route r, Map<Integer, String> names) {
        IpPrefix dst = r.destination();
        Route.Scope scope = r.scope().equals(RouteScope.LINK) ? Route.Scope.LINK : Route.Scope.UNIVERSE;
        return switch (r.type()) {
            case BLACKHOLE -> Optional.of(new Route(dst, Route.Type.BLACKHOLE, scope, List.of(), r.table()));
            case UNREACHABLE -> Optional.of(new Route(dst, Route.Type.UNREACHABLE, scope, List.of(), r.table()));
            case UNICAST -> {
                List<Route.NextHop> hops = new ArrayList<>();
                for (Nexthop n : r.nexthops()) {
                    hops.add(new Route.NextHop(Optional.ofNullable(n.gateway()),
                            n.ifindex() > 0 ? Optional.of(names.getOrDefault(n.ifindex(), "if" + n.ifindex())) : Optional.empty(),
                            n.has(Nexthop.ONLINK)));
                }
                yield hops.isEmpty() ? Optional.empty() : Optional.of(new Route(dst, Route.Type.UNICAST, scope, hops, r.table()));
            }
            default -> Optional.empty();
        };
    }

    @Override
    public void close() {
        rtnl.close();
    }
}
