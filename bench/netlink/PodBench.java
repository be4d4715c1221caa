import dev.viaduct.netlink.Address;
import dev.viaduct.netlink.AddressFamily;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.netlink.Ipv4Conf;
import dev.viaduct.netlink.LinkSettings;
import dev.viaduct.netlink.LinkSpec;
import dev.viaduct.netlink.LinkUpdate;
import dev.viaduct.netlink.Neighbour;
import dev.viaduct.netlink.NetNamespace;
import dev.viaduct.netlink.Request;
import dev.viaduct.netlink.Route;
import dev.viaduct.netlink.RouteProtocol;
import dev.viaduct.netlink.RouteScope;
import dev.viaduct.netlink.Rtnl;
import dev.viaduct.netlink.Sysctl;
import dev.viaduct.sys.net.IpPrefix;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Per-pod costs, in the "host" namespace args[0] with pod namespaces created by the library:
 * <ul>
 * <li>{@code devconf}: proxy_arp=1 and proxy_delay=0 on a host veth, through /proc/sys (a namespace switch
 *     and two file writes on the switcher thread) versus through netlink (RTM_SETLINK IFLA_INET_CONF +
 *     RTM_SETNEIGHTBL in one batch);</li>
 * <li>{@code pod}: the whole CNI ADD dataplane (open the pod namespace, veth with eth0 created in it, address,
 *     two routes and the gateway neighbour in the pod, host route and devconf), sequentially, p50/p99.</li>
 * </ul>
 * Prints "viaduct <measure> n=<count> p50_us=<> p99_us=<> mean_us=<>" lines.
 */
public final class PodBench {
    private static final HardwareAddress HOST_MAC = HardwareAddress.parse("ee:ee:ee:ee:ee:ee");
    private static final InetAddress GATEWAY = InetAddress.ofLiteral("169.254.1.1");

    public static void main(String[] args) throws Exception {
        String hostNs = args[0];
        int pods = Integer.parseInt(args[1]);
        String prefix = args[2];
        List<String> created = new ArrayList<>();
        try (NetNamespace host = NetNamespace.openNamed(hostNs); Rtnl rtnl = host.openRtnl()) {
            // devconf: two ways to set proxy_arp and proxy_delay, alternating per device, on veths without pods
            int devices = 2 * pods;
            for (int i = 0; i < devices; i++) {
                rtnl.addLink(LinkSpec.veth(LinkSettings.named("dc" + i).withUp(true), LinkSettings.named("dcp" + i)));
            }
            long[] viaProc = new long[pods];
            long[] viaNetlink = new long[pods];
            for (int i = 0; i < pods; i++) {
                String a = "dc" + (2 * i);
                long t0 = System.nanoTime();
                Sysctl.setAll(host, Map.of("net/ipv4/conf/" + a + "/proxy_arp", "1", "net/ipv4/neigh/" + a + "/proxy_delay", "0"));
                viaProc[i] = System.nanoTime() - t0;
                int b = rtnl.link("dc" + (2 * i + 1)).orElseThrow().index();
                long t1 = System.nanoTime();
                rtnl.execute(List.of(new Request.UpdateLink(b, LinkUpdate.none().withIpv4Conf(Ipv4Conf.PROXY_ARP, 1)),
                        new Request.SetProxyDelay(AddressFamily.INET, b, Duration.ZERO))).orThrow();
                viaNetlink[i] = System.nanoTime() - t1;
            }
            report("devconf-procsys", viaProc);
            report("devconf-netlink", viaNetlink);

            long[] cniAdd = new long[pods];
            for (int i = 0; i < pods; i++) {
                String podName = prefix + "-pod" + i;
                created.add(podName);
                try (NetNamespace made = NetNamespace.create(podName)) {
                    // not timed: the runtime creates the namespace before calling CNI
                }
                long t0 = System.nanoTime();
                addPod(rtnl, podName, i);
                cniAdd[i] = System.nanoTime() - t0;
            }
            report("cni-add", cniAdd);
        } finally {
            for (String name : created) {
                NetNamespace.delete(name);
            }
        }
    }

    private static void addPod(Rtnl rtnl, String podName, int i) {
        String hostIf = String.format("vdc%011x", i);
        IpPrefix podIp = IpPrefix.parse("10.244." + (i / 250) + "." + (i % 250 + 1) + "/32");
        try (NetNamespace pod = NetNamespace.openNamed(podName); Rtnl podRtnl = pod.openRtnl()) {
            rtnl.addLink(LinkSpec.veth(LinkSettings.named("eth0").inNamespace(pod).withMtu(1450).withUp(true),
                    LinkSettings.named(hostIf).withMtu(1450).withAddress(HOST_MAC).withUp(true)));
            int eth0 = podRtnl.link("eth0").orElseThrow().index();
            podRtnl.execute(List.of(
                    new Request.AddAddress(Address.of(podIp, eth0)),
                    new Request.AddRoute(Route.to(IpPrefix.host(GATEWAY)).withDevice(eth0).withScope(RouteScope.LINK)),
                    new Request.AddRoute(Route.to(IpPrefix.parse("0.0.0.0/0")).withGateway(GATEWAY).withDevice(eth0)),
                    new Request.AddNeighbour(Neighbour.permanent(eth0, GATEWAY, HOST_MAC)))).orThrow();
            int hostIndex = rtnl.link(hostIf).orElseThrow().index();
            rtnl.execute(List.of(
                    new Request.AddRoute(Route.to(podIp).withDevice(hostIndex).withScope(RouteScope.LINK).withProtocol(RouteProtocol.VIADUCT)),
                    new Request.UpdateLink(hostIndex, LinkUpdate.none().withIpv4Conf(Ipv4Conf.PROXY_ARP, 1)),
                    new Request.SetProxyDelay(AddressFamily.INET, hostIndex, Duration.ZERO))).orThrow();
        }
    }

    private static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0) / 1000;
        System.out.printf("viaduct %s n=%d p50_us=%.0f p99_us=%.0f mean_us=%.0f%n", what, s.length,
                s[s.length / 2] / 1000.0, s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)] / 1000.0, mean);
    }
}
