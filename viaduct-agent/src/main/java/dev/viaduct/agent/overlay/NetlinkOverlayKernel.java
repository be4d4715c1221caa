package dev.viaduct.agent.overlay;

import dev.viaduct.netlink.Address;
import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.BatchResult;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.LinkInfo;
import dev.viaduct.netlink.LinkSettings;
import dev.viaduct.netlink.LinkSpec;
import dev.viaduct.netlink.LinkUpdate;
import dev.viaduct.netlink.Neighbour;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkEvent;
import dev.viaduct.netlink.NetlinkEvents;
import dev.viaduct.netlink.NetlinkException;
import dev.viaduct.netlink.Request;
import dev.viaduct.netlink.RouteScope;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link OverlayKernel} over viaduct-netlink in the node's namespace.
 *
 * <p>Concurrency: the {@link Rtnl} socket serialises requests; the controller calls from its one loop thread.
 * Events arrive on the netlink events thread and only run the callback (which marks the controller dirty).
 */
public final class NetlinkOverlayKernel implements OverlayKernel, AutoCloseable {
    private final NetNamespace ns;
    private final Rtnl rtnl;
    /** ifindex → name of the devices this kernel view was asked about, to filter neighbour events cheaply. */
    private final Map<Integer, String> watched = new ConcurrentHashMap<>();

    public NetlinkOverlayKernel(NetNamespace ns) {
        this.ns = ns;
        this.rtnl = ns.openRtnl();
    }

    @Override
    public Optional<TunnelDevice> device(String name) throws OverlayException {
        try {
            Optional<Link> l = rtnl.link(name);
            if (l.isEmpty()) {
                watched.values().remove(name);
                return Optional.empty();
            }
            Link link = l.get();
            watched.put(link.index(), name);
            List<IpPrefix> addrs = new ArrayList<>();
            for (Address a : rtnl.addresses(AddressFamily.UNSPEC, link.index())) {
                if (a.scope().equals(RouteScope.UNIVERSE)) {
                    addrs.add(a.address());
                }
            }
            return Optional.of(switch (link.info()) {
                case LinkInfo.Vxlan x -> new TunnelDevice(name, "vxlan", link.mtu(), link.isUp(), link.address(), addrs, x.vni(),
                        x.local(), x.port(), x.learning());
                case LinkInfo.Ipip i -> new TunnelDevice(name, "ipip", link.mtu(), link.isUp(), null, addrs, 0, i.local(), 0, false);
                default -> new TunnelDevice(name, link.kind().isEmpty() ? "device" : link.kind(), link.mtu(), link.isUp(),
                        link.address(), addrs, 0, null, 0, false);
            });
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public void createVxlan(String name, int vni, InetAddress local, int port, HardwareAddress mac, int mtu)
            throws OverlayException {
        try {
            rtnl.addLink(new LinkSpec.Vxlan(LinkSettings.named(name).withAddress(mac).withMtu(mtu).withUp(true), vni, local,
                    port, false, 0));
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public void createIpip(String name, int mtu) throws OverlayException {
        try {
            Optional<Link> existing = rtnl.link(name);
            if (existing.isEmpty()) {
                // A catch-all device (no local, no remote) receives IPIP from any host; with the ipip module loaded
                // the kernel already made one called tunl0 in every namespace (its fallback device), adopted below.
                rtnl.addLink(new LinkSpec.Ipip(LinkSettings.named(name).withMtu(mtu).withUp(true), null, null, 0, 0));
            } else {
                rtnl.updateLink(existing.get().index(), LinkUpdate.none().withMtu(mtu).withUp(true));
            }
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public void deleteDevice(String name) throws OverlayException {
        try {
            Optional<Link> l = rtnl.link(name);
            if (l.isPresent()) {
                rtnl.deleteLink(l.get().index());
                watched.remove(l.get().index());
            }
        } catch (NetlinkException.NotFound e) {
            // gone in between: that is what we wanted
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public void configure(String name, int mtu, boolean up) throws OverlayException {
        try {
            rtnl.updateLink(index(name), LinkUpdate.none().withMtu(mtu).withUp(up));
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public void addAddress(String name, IpPrefix address) throws OverlayException {
        try {
            rtnl.replaceAddress(Address.of(address, index(name)));
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public void deleteAddress(String name, IpPrefix address) throws OverlayException {
        try {
            rtnl.deleteAddress(Address.of(address, index(name)));
        } catch (NetlinkException.NotFound e) {
            // already gone
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public List<VxlanEntry> entries(String name) throws OverlayException {
        try {
            int idx = index(name);
            List<VxlanEntry> out = new ArrayList<>();
            for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
                for (Neighbour n : rtnl.neighbours(f, idx)) {
                    if (n.isPermanent() && n.linkAddress() != null) {
                        out.add(new VxlanEntry.Arp(n.destination(), n.linkAddress()));
                    }
                }
            }
            for (Neighbour n : rtnl.neighbours(AddressFamily.BRIDGE, idx)) {
                // the device's own entries (NTF_SELF) with a remote: what `bridge fdb replace ... self` made
                if (n.isPermanent() && n.linkAddress() != null && n.destination() != null && (n.flags() & Neighbour.SELF) != 0) {
                    out.add(new VxlanEntry.Fdb(n.linkAddress(), n.destination()));
                }
            }
            return out;
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    @Override
    public List<String> applyEntries(String name, List<VxlanEntry> replace, List<VxlanEntry> delete) throws OverlayException {
        int idx;
        try {
            idx = index(name);
        } catch (NetlinkException e) {
            throw wrap(e);
        }
        List<Request> requests = new ArrayList<>();
        for (VxlanEntry e : delete) {
            requests.add(new Request.DeleteNeighbour(neighbour(idx, e)));
        }
        for (VxlanEntry e : replace) {
            requests.add(new Request.ReplaceNeighbour(neighbour(idx, e)));
        }
        if (requests.isEmpty()) {
            return List.of();
        }
        BatchResult r;
        try {
            r = rtnl.execute(requests);
        } catch (NetlinkException e) {
            throw wrap(e);
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            NetlinkException e = r.error(i);
            if (e != null && !(e instanceof NetlinkException.NotFound && requests.get(i) instanceof Request.DeleteNeighbour)) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    private static Neighbour neighbour(int idx, VxlanEntry e) {
        return switch (e) {
            case VxlanEntry.Arp a -> Neighbour.permanent(idx, a.vtep(), a.mac());
            case VxlanEntry.Fdb f -> Neighbour.fdb(idx, f.mac(), f.underlay());
        };
    }

    @Override
    public AutoCloseable subscribe(Runnable changed) throws OverlayException {
        try {
            return NetlinkEvents.subscribe(ns, EnumSet.of(NetlinkEvents.Group.LINK, NetlinkEvents.Group.NEIGHBOUR), ev -> {
                boolean ours = switch (ev) {
                    case NetlinkEvent.LinkRemoved l -> watched.containsKey(l.link().index())
                            || watched.containsValue(l.link().name());
                    case NetlinkEvent.LinkChanged l -> watched.containsValue(l.link().name());
                    case NetlinkEvent.NeighbourRemoved n -> watched.containsKey(n.neighbour().ifindex());
                    // only permanent entries are ours; ARP churn of other entries is no drift
                    case NetlinkEvent.NeighbourChanged n -> watched.containsKey(n.neighbour().ifindex())
                            && n.neighbour().isPermanent();
                    case NetlinkEvent.ResyncNeeded r -> true;
                    default -> false;
                };
                if (ours) {
                    changed.run();
                }
            });
        } catch (NetlinkException e) {
            throw wrap(e);
        }
    }

    private int index(String name) throws OverlayException {
        Optional<Link> l = rtnl.link(name);
        if (l.isEmpty()) {
            throw new OverlayException("device " + name + " does not exist");
        }
        watched.put(l.get().index(), name);
        return l.get().index();
    }

    private static OverlayException wrap(NetlinkException e) {
        return new OverlayException(e.getMessage(), e, e instanceof NetlinkException.Unsupported);
    }

    @Override
    public void close() {
        rtnl.close();
    }
}
