package dev.viaduct.lab;

import dev.viaduct.netlink.Address;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.netlink.LinkSettings;
import dev.viaduct.netlink.LinkSpec;
import dev.viaduct.netlink.LinkUpdate;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Nexthop;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.netlink.Sysctl;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's wiring: namespaces, the L2 segment of each rack (a bridge in the switch namespace), the veths that
 * put the root namespace, etcd, the nodes and any attached router on a segment, and what joins the racks (one
 * router namespace, or BIRD ToRs under a spine). Every namespace and root-namespace link or route is recorded
 * in the {@link LabState} before it is created, so teardown finds it even if creating it failed half-way.
 *
 * <p>Addresses and names come from {@link LabSpec}, {@link LabRacks} and {@link LabBgp} (pure); this class
 * only carries them out over rtnetlink.
 */
final class LabTopology {
    private static final System.Logger LOG = System.getLogger("viaduct.lab");
    private final LabState state;

    LabTopology(LabState state) {
        this.state = state;
    }

    /**
     * Builds the segment: the switch namespace with {@code br0}, the root namespace's leg ({@code .254}), the
     * other racks and what joins them, and etcd and every node on their rack's bridge.
     */
    void build() {
        LabSpec spec = state.spec;
        try (NetNamespace sw = createNamespace(spec.switchNs());
                Rtnl swr = sw.openRtnl()) {
            swr.addLink(new LinkSpec.Bridge(LinkSettings.named("br0").withUp(true)));
            int br = swr.link("br0").orElseThrow().index();
            // The root namespace's leg on the segment.
            state.hostLinks.add(spec.hostLink());
            state.save();
            try (NetNamespace root = NetNamespace.current()) {
                swr.addLink(new LinkSpec.Veth(LinkSettings.named(spec.hostLink()).inNamespace(root).withUp(true),
                        LinkSettings.named("host").withUp(true)));
            }
            swr.updateLink(swr.link("host").orElseThrow().index(), LinkUpdate.none().withMaster(br));
            try (Rtnl rr = Rtnl.open()) {
                int idx = rr.link(spec.hostLink()).orElseThrow().index();
                rr.addAddress(Address.of(IpPrefix.parse(spec.hostAddress() + "/24"), idx));
            }
            LabRacks racks = spec.rackLayout();
            List<Integer> bridges = buildRacks(swr, br, racks);
            attach(swr, br, spec.etcdNs(), "etcd", spec.etcdAddress(), racks.routed() ? racks.rack(1) : null);
            if (spec.ipv6()) {
                addV6(spec.etcdNs(), spec.etcdAddressV6(), racks.routed() ? racks.rack(1).gatewayV6() : null);
            }
            for (int i = 1; i <= spec.nodes(); i++) {
                LabRacks.Rack rack = racks.rack(racks.rackOf(i));
                String ns = spec.nodeNs(spec.nodeName(i));
                attach(swr, bridges.get(rack.number() - 1), ns, spec.nodeName(i), spec.nodeAddress(i),
                        racks.routed() ? rack : null);
                if (spec.ipv6()) {
                    addV6(ns, spec.nodeAddressV6(i), racks.routed() ? rack.gatewayV6() : null);
                }
            }
        }
    }

    /**
     * A namespace on a segment: veth {@code eth0} (inside) ↔ {@code port} (on the bridge), address /24, and a
     * default route via its rack's router leg unless {@code rack} is null.
     */
    private void attach(Rtnl swr, int bridge, String ns, String port, String address, LabRacks.Rack rack) {
        String gateway = rack == null ? null : rack.gateway();
        try (NetNamespace n = createNamespace(ns); Rtnl r = n.openRtnl()) {
            swr.addLink(new LinkSpec.Veth(LinkSettings.named("eth0").inNamespace(n).withUp(true),
                    LinkSettings.named(port).withUp(true)));
            swr.updateLink(swr.link(port).orElseThrow().index(), LinkUpdate.none().withMaster(bridge));
            r.updateLink(r.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
            int eth0 = r.link("eth0").orElseThrow().index();
            r.addAddress(Address.of(IpPrefix.parse(address + "/24"), eth0));
            if (gateway != null) {
                r.addRoute(Route.to(IpPrefix.parse("0.0.0.0/0")).withNexthops(List.of(
                        Nexthop.via(InetAddress.ofLiteral(gateway), eth0))));
            }
            Sysctl.set(n, "net.ipv4.ip_forward", "1");
        }
    }

    /**
     * Dual-stack: the IPv6 twin of an attached namespace's address on its {@code eth0} (/64, without duplicate
     * address detection so it is usable at once, as the IPv4 one is) and the IPv6 default route via
     * {@code gateway} unless that is null.
     */
    private static void addV6(String ns, String address, String gateway) {
        try (NetNamespace n = NetNamespace.openNamed(ns); Rtnl r = n.openRtnl()) {
            int eth0 = r.link("eth0").orElseThrow().index();
            r.addAddress(Address.of(IpPrefix.parse(address + "/64"), eth0).withFlags(Address.NODAD));
            if (gateway != null) {
                r.addRoute(Route.to(IpPrefix.parse("::/0")).withNexthops(List.of(
                        Nexthop.via(InetAddress.ofLiteral(gateway), eth0))));
            }
        }
    }

    /**
     * Racks beyond the first: one more bridge each, a router namespace with a leg ({@code .1}) on every rack's
     * bridge and forwarding on (nothing else: no pod routes, no default route), and routes in the root namespace
     * to the other racks via rack 1's router (recorded before they are added; teardown removes them).
     * Returns each rack's bridge ifindex (rack 1's is {@code br0}).
     */
    private List<Integer> buildRacks(Rtnl swr, int br0, LabRacks racks) {
        List<Integer> bridges = new ArrayList<>(List.of(br0));
        if (!racks.routed()) {
            return bridges;
        }
        for (LabRacks.Rack rack : racks.racks().subList(1, racks.count())) {
            swr.addLink(new LinkSpec.Bridge(LinkSettings.named(rack.bridge()).withUp(true)));
            bridges.add(swr.link(rack.bridge()).orElseThrow().index());
        }
        if ("bird".equals(state.spec.tor())) {
            buildTors(swr, bridges, racks);
        } else try (NetNamespace rt = createNamespace(racks.routerNs()); Rtnl r = rt.openRtnl()) {
            r.updateLink(r.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
            for (LabRacks.Rack rack : racks.racks()) {
                String port = "rt" + rack.number();
                swr.addLink(new LinkSpec.Veth(LinkSettings.named(rack.routerLeg()).inNamespace(rt).withUp(true),
                        LinkSettings.named(port).withUp(true)));
                swr.updateLink(swr.link(port).orElseThrow().index(), LinkUpdate.none().withMaster(bridges.get(rack.number() - 1)));
                int leg = r.link(rack.routerLeg()).orElseThrow().index();
                r.addAddress(Address.of(IpPrefix.parse(rack.gateway() + "/24"), leg));
                if (state.spec.ipv6()) {
                    r.addAddress(Address.of(IpPrefix.parse(rack.gatewayV6() + "/64"), leg).withFlags(Address.NODAD));
                }
            }
            Sysctl.set(rt, "net.ipv4.ip_forward", "1");
            Sysctl.set(rt, "net.ipv6.conf.all.forwarding", "1");
        }
        try (Rtnl rr = Rtnl.open()) {
            int idx = rr.link(state.spec.hostLink()).orElseThrow().index();
            for (LabRacks.Rack rack : racks.racks().subList(1, racks.count())) {
                synchronized (state) {
                    state.hostRoutes.add(rack.cidr());
                    state.save();
                }
                rr.addRoute(Route.to(IpPrefix.parse(rack.cidr())).withNexthops(List.of(
                        Nexthop.via(InetAddress.ofLiteral(racks.rack(1).gateway()), idx))));
            }
        }
        return bridges;
    }

    /**
     * BGP racks: instead of one router on every rack, rack r gets its own ToR namespace (leg {@code .1} on the
     * rack's bridge) with a point-to-point uplink to the spine namespace ({@code rt}); BIRD runs in each (started
     * by {@link LabDaemons#startBird}).
     */
    private void buildTors(Rtnl swr, List<Integer> bridges, LabRacks racks) {
        LabSpec spec = state.spec;
        try (NetNamespace spine = createNamespace(racks.routerNs()); Rtnl sr = spine.openRtnl()) {
            sr.updateLink(sr.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
            Sysctl.set(spine, "net.ipv4.ip_forward", "1");
            Sysctl.set(spine, "net.ipv6.conf.all.forwarding", "1");
            for (LabRacks.Rack rack : racks.racks()) {
                int r = rack.number();
                try (NetNamespace tor = createNamespace(racks.torNs(r)); Rtnl tr = tor.openRtnl()) {
                    tr.updateLink(tr.link("lo").orElseThrow().index(), LinkUpdate.none().withUp(true));
                    String port = "tor" + r;
                    swr.addLink(new LinkSpec.Veth(LinkSettings.named("eth0").inNamespace(tor).withUp(true),
                            LinkSettings.named(port).withUp(true)));
                    swr.updateLink(swr.link(port).orElseThrow().index(), LinkUpdate.none().withMaster(bridges.get(r - 1)));
                    int eth0 = tr.link("eth0").orElseThrow().index();
                    tr.addAddress(Address.of(IpPrefix.parse(rack.gateway() + "/24"), eth0));
                    if (spec.ipv6()) {
                        tr.addAddress(Address.of(IpPrefix.parse(rack.gatewayV6() + "/64"), eth0).withFlags(Address.NODAD));
                    }
                    // uplink: "up" in the ToR, "tor<r>" in the spine
                    tr.addLink(new LinkSpec.Veth(LinkSettings.named("tor" + r).inNamespace(spine).withUp(true),
                            LinkSettings.named("up").withUp(true)));
                    tr.addAddress(Address.of(IpPrefix.parse(LabBgp.torUplinkAddress(spec, r) + "/31"), tr.link("up").orElseThrow().index()));
                    sr.addAddress(Address.of(IpPrefix.parse(LabBgp.spineAddress(spec, r) + "/31"), sr.link("tor" + r).orElseThrow().index()));
                    if (spec.ipv6()) {
                        tr.addAddress(Address.of(IpPrefix.parse(LabBgp.torUplinkAddressV6(spec, r) + "/127"),
                                tr.link("up").orElseThrow().index()).withFlags(Address.NODAD));
                        sr.addAddress(Address.of(IpPrefix.parse(LabBgp.spineAddressV6(spec, r) + "/127"),
                                sr.link("tor" + r).orElseThrow().index()).withFlags(Address.NODAD));
                    }
                    Sysctl.set(tor, "net.ipv4.ip_forward", "1");
                    Sysctl.set(tor, "net.ipv6.conf.all.forwarding", "1");
                }
            }
        }
    }

    /**
     * Attaches one more namespace to rack 1's bridge ({@code vl<name>-<label>}, {@code eth0} at
     * {@code address}/24, loopback up, forwarding on), recorded before it is created. Returns its name.
     */
    String attachNamespace(String label, String address) {
        checkLabel(label);
        InetAddress.ofLiteral(address); // a literal, or IllegalArgumentException naming it
        String ns = state.spec.prefix() + label;
        if (state.namespaces.contains(ns)) {
            throw new IllegalArgumentException("namespace " + ns + " is already part of lab " + state.spec.name());
        }
        try (NetNamespace sw = NetNamespace.openNamed(state.spec.switchNs()); Rtnl swr = sw.openRtnl()) {
            attach(swr, swr.link("br0").orElseThrow().index(), ns, "x" + label, address, null);
        }
        return ns;
    }

    /**
     * An attached namespace's label: 1..8 lower-case letters and digits starting with a letter (it becomes part
     * of a namespace name and of a 15-byte interface name, {@code x<label>}), and none of the names the lab
     * uses itself.
     */
    static void checkLabel(String label) {
        if (!label.matches("[a-z][a-z0-9]{0,7}") || label.matches("n\\d+|sw|etcd|rt|host")) {
            throw new IllegalArgumentException("namespace label '" + label
                    + "' must be 1..8 lower-case letters/digits starting with a letter, and not sw, etcd, rt, host or n<i>");
        }
    }

    /** Records the namespace in the state, then creates it. */
    NetNamespace createNamespace(String name) {
        synchronized (state) {
            state.namespaces.add(name);
            state.save();
        }
        return NetNamespace.create(name);
    }

    /** Kills what runs in the namespace and deletes it; a failure is logged, the namespace forgotten anyway. */
    void deleteNamespace(String ns) {
        try {
            LabProcesses.killAllIn(ns);
            NetNamespace.delete(ns);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete namespace {0}: {1}", ns, e.getMessage());
        }
        synchronized (state) {
            state.namespaces.remove(ns);
            state.save();
        }
    }

    /** The lab's nodes that have not been removed, in order. */
    List<String> nodes() {
        List<String> n = new ArrayList<>();
        for (int i = 1; i <= state.spec.nodes(); i++) {
            if (!state.removedNodes.contains(state.spec.nodeName(i))) {
                n.add(state.spec.nodeName(i));
            }
        }
        return n;
    }
}
