package dev.viaduct.agent.pod;

import dev.viaduct.cni.spec.PodInterfaces;
import dev.viaduct.netlink.Address;
import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.BatchResult;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.netlink.Ipv4Conf;
import dev.viaduct.netlink.Link;
import dev.viaduct.netlink.LinkDeleter;
import dev.viaduct.netlink.LinkSettings;
import dev.viaduct.netlink.LinkSpec;
import dev.viaduct.netlink.LinkUpdate;
import dev.viaduct.netlink.Neighbour;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.NetlinkException;
import dev.viaduct.netlink.Nexthop;
import dev.viaduct.netlink.Request;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.RouteScope;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.netlink.RtnlThreads;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pod dataplane over viaduct-netlink (Calico's wiring, no bridge):
 * <pre>
 *   host:  vdcXXXXXXXXXXX (MAC ee:ee:ee:ee:ee:ee) up, proxy_arp=1, proxy_delay=0, forwarding=1
 *          podIP dev vdcXXXXXXXXXXX scope link proto viaduct
 *   pod:   eth0 up, podIP/32, 169.254.1.1 dev eth0 scope link, default via 169.254.1.1 dev eth0,
 *          neigh 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee nud permanent
 * </pre>
 * The permanent neighbour entry means the pod's very first packet needs no ARP round trip (and none of
 * proxy ARP's randomised delay); proxy ARP stays on for anything else the pod asks about. The pod's eth0 is
 * created directly inside the pod namespace (IFLA_NET_NS_FD), so it never appears on the host.
 *
 * <p>Concurrency: thread-safe. {@link #attach} runs on one of {@link #WIRERS} platform threads with a host
 * socket of its own ({@link RtnlThreads}), and opens its own socket in the pod's namespace: in a burst of ADDs
 * the veth creations wait for RTNL in the kernel rather than for one shared socket and the virtual threads'
 * few carriers. {@link #detach} batches: a veth's deletion waits for RCU in the kernel, so a burst of DELs is
 * deleted in groups, one wait per group ({@link LinkDeleter}). {@link #verify} uses the shared host socket.
 */
public final class NetlinkPodDataplane implements PodDataplane {
    /** Calico's convention: every host-side veth has this MAC; the pod's gateway neighbour points at it. */
    static final HardwareAddress HOST_MAC = HardwareAddress.parse("ee:ee:ee:ee:ee:ee");
    static final InetAddress GATEWAY_V4 = addr("169.254.1.1");
    static final InetAddress GATEWAY_V6 = addr("fe80::ecee:eeff:feee:eeee");

    /** Pod wirings in flight at once: enough to keep RTNL and the namespace switcher busy on a loaded node. */
    static final int WIRERS = 32;

    /** The agent's host socket, shared (CHECK only); wiring uses its threads' own. */
    private final Rtnl sharedHost;
    private final RouteProtocol protocol;
    private final RtnlThreads wirers;
    private final LinkDeleter deleter;

    public NetlinkPodDataplane(NetNamespace hostNs, Rtnl host, int protocol) {
        this.sharedHost = host;
        this.protocol = RouteProtocol.of(protocol);
        this.wirers = new RtnlThreads(hostNs, WIRERS, "pod-wire");
        this.deleter = new LinkDeleter(hostNs);
    }

    @Override
    public PodInterfaces attach(PodAttachment a) throws DataplaneException {
        return wirers.call(host -> wire(host, a));
    }

    private PodInterfaces wire(Rtnl host, PodAttachment a) throws DataplaneException {
        NetNamespace podNs;
        try {
            podNs = NetNamespace.open(Path.of(a.netnsPath()));
        } catch (NetlinkException e) {
            throw new DataplaneException("open pod network namespace " + a.netnsPath() + ": " + e.getMessage(), e,
                    e instanceof NetlinkException.NotFound);
        }
        boolean created = false;
        try (podNs; Rtnl pod = podNs.openRtnl()) {
            if (pod.link(a.ifname()).isPresent()) {
                throw new DataplaneException("interface " + a.ifname() + " already exists in " + a.netnsPath());
            }
            // pod end first: it lives in another namespace (LinkSpec.Veth's rule), the host end is brought up after
            host.addLink(new LinkSpec.Veth(
                    LinkSettings.named(a.ifname()).inNamespace(podNs).withMtu(a.mtu()).withUp(true),
                    LinkSettings.named(a.hostVeth()).withMtu(a.mtu()).withAddress(HOST_MAC).withUp(true)));
            created = true;
            int hostIdx = host.link(a.hostVeth()).orElseThrow(() -> new DataplaneException(
                    "host veth " + a.hostVeth() + " vanished right after creation")).index();
            boolean v6 = a.addresses().stream().anyMatch(IpPrefix::isIpv6);
            List<Request> hostSide = new ArrayList<>();
            hostSide.add(new Request.UpdateLink(hostIdx, LinkUpdate.none()
                    .withIpv4Conf(Ipv4Conf.PROXY_ARP, 1).withIpv4Conf(Ipv4Conf.FORWARDING, 1)));
            // proxy_delay defaults to 80 ms of random delay per proxied ARP answer (net/ipv4/arp.c)
            hostSide.add(new Request.SetProxyDelay(AddressFamily.INET, hostIdx, Duration.ZERO));
            check(host.execute(hostSide));

            Link podLink = pod.link(a.ifname()).orElseThrow(() -> new DataplaneException(
                    a.ifname() + " did not appear in " + a.netnsPath()));
            int podIdx = podLink.index();
            List<Request> podSide = new ArrayList<>();
            pod.link("lo").filter(l -> !l.isUp()).ifPresent(lo ->
                    podSide.add(new Request.UpdateLink(lo.index(), LinkUpdate.none().withUp(true))));
            for (IpPrefix c : a.addresses()) {
                Address addr = Address.of(c, podIdx);
                podSide.add(new Request.AddAddress(c.isIpv6() ? addr.withFlags(Address.NODAD) : addr));
            }
            if (a.addresses().stream().anyMatch(IpPrefix::isIpv4)) {
                podSide.add(new Request.ReplaceNeighbour(Neighbour.permanent(podIdx, GATEWAY_V4, HOST_MAC)));
                podSide.add(new Request.AddRoute(Route.to(IpPrefix.host(GATEWAY_V4)).withScope(RouteScope.LINK)
                        .withNexthops(List.of(Nexthop.device(podIdx)))));
                podSide.add(new Request.AddRoute(Route.to(IpPrefix.parse("0.0.0.0/0"))
                        .withNexthops(List.of(Nexthop.via(GATEWAY_V4, podIdx)))));
            }
            if (v6) {
                podSide.add(new Request.ReplaceNeighbour(Neighbour.permanent(podIdx, GATEWAY_V6, HOST_MAC)));
                podSide.add(new Request.AddRoute(Route.to(IpPrefix.parse("::/0"))
                        .withNexthops(List.of(Nexthop.via(GATEWAY_V6, podIdx)))));
            }
            check(pod.execute(podSide));
            return new PodInterfaces(a.hostVeth(), HOST_MAC.toString(), a.ifname(),
                    podLink.address() == null ? "" : podLink.address().toString(), a.mtu());
        } catch (NetlinkException e) {
            if (created) {
                removeQuietly(host, a.hostVeth(), e);
            }
            throw new DataplaneException(e.getMessage(), e, false);
        } catch (DataplaneException | RuntimeException e) {
            if (created) {
                removeQuietly(host, a.hostVeth(), e);
            }
            throw e;
        }
    }

    private static void removeQuietly(Rtnl host, String hostVeth, Exception cause) {
        try {
            host.link(hostVeth).ifPresent(l -> host.deleteLink(l.index()));
        } catch (NetlinkException e) {
            cause.addSuppressed(e);
        }
    }

    private static void check(BatchResult r) {
        r.orThrow();
    }

    @Override
    public void detach(String hostVeth) throws DataplaneException {
        try {
            deleter.delete(hostVeth);
        } catch (NetlinkException e) {
            throw new DataplaneException(e.getMessage(), e, false);
        }
    }

    @Override
    public List<String> verify(PodAttachment a) throws DataplaneException {
        List<String> problems = new ArrayList<>();
        NetNamespace podNs;
        try {
            podNs = NetNamespace.open(Path.of(a.netnsPath()));
        } catch (NetlinkException e) {
            throw new DataplaneException("open pod network namespace " + a.netnsPath() + ": " + e.getMessage(), e,
                    e instanceof NetlinkException.NotFound);
        }
        try (podNs; Rtnl pod = podNs.openRtnl()) {
            Optional<Link> hv = sharedHost.link(a.hostVeth());
            if (hv.isEmpty()) {
                problems.add("host veth " + a.hostVeth() + " is missing");
            } else {
                if (!hv.get().isUp()) {
                    problems.add("host veth " + a.hostVeth() + " is down");
                }
                if (hv.get().ipv4Conf(Ipv4Conf.PROXY_ARP).orElse(1) != 1) {
                    problems.add("proxy_arp is off on " + a.hostVeth());
                }
                for (IpPrefix c : a.addresses()) {
                    boolean found = sharedHost.routes(c.isIpv4() ? AddressFamily.INET : AddressFamily.INET6, Route.MAIN, protocol)
                            .stream().anyMatch(r -> r.destination().equals(c) && r.ifindex() == hv.get().index());
                    if (!found) {
                        problems.add("host route " + c.addressText() + " dev " + a.hostVeth() + " is missing");
                    }
                }
            }
            Optional<Link> pl = pod.link(a.ifname());
            if (pl.isEmpty()) {
                problems.add(a.ifname() + " is missing in " + a.netnsPath());
                return problems;
            }
            for (IpPrefix c : a.addresses()) {
                AddressFamily f = c.isIpv4() ? AddressFamily.INET : AddressFamily.INET6;
                boolean has = pod.addresses(f, pl.get().index()).stream().anyMatch(x -> x.address().address().equals(c.address()));
                if (!has) {
                    problems.add(a.ifname() + " lacks address " + c.addressText());
                }
            }
            if (a.addresses().stream().anyMatch(IpPrefix::isIpv4)) {
                boolean dflt = pod.routes(AddressFamily.INET).stream().anyMatch(r -> r.table() == Route.MAIN
                        && r.destination().length() == 0 && GATEWAY_V4.equals(r.gateway()));
                if (!dflt) {
                    problems.add("pod has no default route via 169.254.1.1");
                }
            }
            if (pl.get().mtu() != a.mtu()) {
                problems.add(a.ifname() + " MTU is " + pl.get().mtu() + ", expected " + a.mtu());
            }
        } catch (NetlinkException e) {
            throw new DataplaneException(e.getMessage(), e, false);
        }
        return problems;
    }

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
