package dev.viaduct.netlink;

import dev.viaduct.netlink.codec.Attributes;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators for the library's values, covering every field's full range. */
final class Generators {
    private Generators() {
    }

    static Arbitrary<InetAddress> ipv4() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4).map(b -> Attributes.toAddress(b, "gen"));
    }

    static Arbitrary<InetAddress> ipv6() {
        return Arbitraries.bytes().array(byte[].class).ofSize(16).map(b -> Attributes.toAddress(b, "gen"));
    }

    static Arbitrary<InetAddress> ip(AddressFamily f) {
        return f == AddressFamily.INET ? ipv4() : ipv6();
    }

    static Arbitrary<AddressFamily> ipFamily() {
        return Arbitraries.of(AddressFamily.INET, AddressFamily.INET6);
    }

    static Arbitrary<IpPrefix> prefix(AddressFamily f) {
        return Combinators.combine(ip(f), Arbitraries.integers().between(0, f == AddressFamily.INET ? 32 : 128))
                .as(IpPrefix::of);
    }

    static Arbitrary<HardwareAddress> hardwareAddress() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(32).map(HardwareAddress::of);
    }

    static Arbitrary<String> linkName() {
        return Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-', '_', '.').ofMinLength(1)
                .ofMaxLength(15).filter(s -> !s.equals(".") && !s.equals(".."));
    }

    static Arbitrary<Nexthop> nexthop(AddressFamily routeFamily) {
        Arbitrary<InetAddress> gw = Arbitraries.oneOf(ip(routeFamily), ip(routeFamily), ipv4(), ipv6()).injectNull(0.3);
        return Combinators.combine(gw, Arbitraries.integers().between(0, Integer.MAX_VALUE).edgeCases(c -> c.add(0)),
                        Arbitraries.integers().between(0, 255), Arbitraries.integers().between(1, 256))
                .filter((g, i, f, w) -> g != null || i != 0)
                .as(Nexthop::new);
    }

    static Arbitrary<Route> route() {
        return ipFamily().flatMap(f -> {
            Arbitrary<RouteType> type = Arbitraries.of(RouteType.class);
            return Combinators.combine(prefix(f), Arbitraries.integers(), type,
                    Arbitraries.integers().between(0, 255).map(RouteProtocol::of),
                    Arbitraries.integers().between(0, 255).map(RouteScope::of),
                    nexthop(f).list().ofMaxSize(4), ip(f).injectNull(0.5),
                    Arbitraries.longs().between(0, 0xFFFF_FFFFL))
                    .as((dst, table, t, proto, scope, hops, src, metric) ->
                            new Route(dst, table, t, proto, scope, t.hasNexthops() ? hops : List.of(), src, metric));
        });
    }

    static Arbitrary<Address> address() {
        return ipFamily().flatMap(f -> Combinators.combine(prefix(f), Arbitraries.integers().between(1, Integer.MAX_VALUE),
                        Arbitraries.integers().between(0, 255).map(RouteScope::of), Arbitraries.integers(),
                        ip(f).injectNull(0.5), ipv4().injectNull(0.5),
                        Arbitraries.strings().withCharRange('a', 'z').withChars(':').ofMinLength(1).ofMaxLength(15).injectNull(0.5))
                .filter((p, i, s, fl, peer, bc, l) -> peer == null || !peer.equals(p.address()))
                .as((p, i, s, fl, peer, bc, l) -> new Address(p, i, s, fl, peer, f == AddressFamily.INET ? bc : null, l)));
    }

    static Arbitrary<Neighbour> neighbour() {
        return Arbitraries.of(AddressFamily.INET, AddressFamily.INET6, AddressFamily.BRIDGE).flatMap(f -> {
            Arbitrary<InetAddress> dst = f == AddressFamily.BRIDGE ? Arbitraries.oneOf(ipv4(), ipv6()).injectNull(0.3) : ip(f);
            return Combinators.combine(dst, Arbitraries.integers().between(1, Integer.MAX_VALUE),
                            hardwareAddress().injectNull(0.2), Arbitraries.integers().between(0, 0xFFFF),
                            Arbitraries.integers().between(0, 255), Arbitraries.integers().between(-1, 0xFFFFFF),
                            Arbitraries.integers().between(0, Integer.MAX_VALUE))
                    .as((d, i, ll, st, fl, vni, m) -> new Neighbour(f, i, d, ll, st, fl, vni, m));
        });
    }

    static Arbitrary<LinkInfo> linkInfo() {
        Arbitrary<InetAddress> anyIp = Arbitraries.oneOf(ipv4(), ipv6()).injectNull(0.3);
        Arbitrary<InetAddress> tunnelEnd = ipv4().filter(a -> !a.isAnyLocalAddress()).injectNull(0.3);
        Arbitrary<LinkInfo> vxlan = Combinators.combine(Arbitraries.integers(), anyIp, anyIp,
                Arbitraries.integers().between(0, 65535), Arbitraries.of(true, false), Arbitraries.integers(),
                Arbitraries.integers().between(0, 255)).as(LinkInfo.Vxlan::new);
        Arbitrary<LinkInfo> ipip = Combinators.combine(tunnelEnd, tunnelEnd, Arbitraries.integers().between(0, 255),
                Arbitraries.integers(), Arbitraries.of(true, false)).as(LinkInfo.Ipip::new);
        Arbitrary<LinkInfo> other = Arbitraries.strings().withCharRange('a', 'z').ofMaxLength(12)
                .filter(k -> !List.of("veth", "bridge", "vxlan", "ipip").contains(k)).map(LinkInfo.Other::new);
        return Arbitraries.oneOf(Arbitraries.just(new LinkInfo.None()), Arbitraries.just(new LinkInfo.Veth()),
                Arbitraries.just(new LinkInfo.Bridge()), vxlan, ipip, other);
    }

    private record LinkHead(int index, String name, LinkInfo info, int flags, int mtu, HardwareAddress mac,
            OperState oper, int master) {
    }

    private record LinkTail(int parent, int nsid, int hw, List<Integer> conf, int group) {
    }

    static Arbitrary<Link> link() {
        Arbitrary<LinkHead> head = Combinators.combine(Arbitraries.integers(), linkName(), linkInfo(), Arbitraries.integers(),
                Arbitraries.integers(), hardwareAddress().injectNull(0.3), Arbitraries.of(OperState.class),
                Arbitraries.integers()).as(LinkHead::new);
        Arbitrary<LinkTail> tail = Combinators.combine(Arbitraries.integers(),
                Arbitraries.integers().between(-1, Integer.MAX_VALUE), Arbitraries.integers().between(0, 0xFFFF),
                Arbitraries.integers().list().ofMaxSize(40), Arbitraries.integers()).as(LinkTail::new);
        return Combinators.combine(head, tail).as((h, t) -> new Link(h.index(), h.name(), h.info(), h.flags(), h.mtu(),
                h.mac(), h.oper(), h.master(), t.parent(), t.nsid(), t.hw(), t.conf(), t.group()));
    }
}
