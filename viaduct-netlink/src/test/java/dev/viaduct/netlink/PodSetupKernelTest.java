package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Cmd;
import dev.viaduct.testsupport.Netns;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The agent's per-pod dataplane (CNI ADD), done the way the agent will do it, in a "host" and a "pod"
 * namespace — then proved by traffic: the pod pings an address of the host. And the rollback: deleting the
 * host veth leaves nothing behind in either namespace.
 */
@Tag("root")
class PodSetupKernelTest {
    private static final HardwareAddress HOST_MAC = HardwareAddress.parse("ee:ee:ee:ee:ee:ee");
    private static final java.net.InetAddress GATEWAY = java.net.InetAddress.ofLiteral("169.254.1.1");

    @RegisterExtension
    final Netns netns = Netns.perTest();

    private String hostName;
    private String podName;
    private NetNamespace host;
    private NetNamespace pod;
    private Rtnl hostRtnl;

    @BeforeEach
    void setUp() {
        Netns.requireRoot();
        hostName = netns.create("host");
        podName = netns.create("pod");
        host = NetNamespace.open(Netns.path(hostName));
        pod = NetNamespace.open(Netns.path(podName));
        hostRtnl = host.openRtnl();
        Ip.run(hostName, "addr", "add", "10.0.0.1/32", "dev", "lo");
    }

    @AfterEach
    void tearDown() {
        hostRtnl.close();
        host.close();
        pod.close();
    }

    /** What the agent does for one pod; returns the host-side ifindex. */
    private int addPod(String hostIf, IpPrefix podIp, IpPrefix podIp6) {
        hostRtnl.addLink(LinkSpec.veth(LinkSettings.named("eth0").inNamespace(pod).withMtu(1450).withUp(true),
                LinkSettings.named(hostIf).withMtu(1450).withAddress(HOST_MAC).withUp(true)));
        int hostIndex = hostRtnl.link(hostIf).orElseThrow().index();
        try (Rtnl podRtnl = pod.openRtnl()) {
            int eth0 = podRtnl.link("eth0").orElseThrow().index();
            podRtnl.execute(List.of(
                    new Request.AddAddress(Address.of(podIp, eth0)),
                    new Request.AddAddress(Address.of(podIp6, eth0).withFlags(Address.NODAD)),
                    new Request.AddRoute(Route.to(IpPrefix.host(GATEWAY)).withDevice(eth0).withScope(RouteScope.LINK)),
                    new Request.AddRoute(Route.to(IpPrefix.parse("0.0.0.0/0")).withGateway(GATEWAY).withDevice(eth0)),
                    new Request.AddNeighbour(Neighbour.permanent(eth0, GATEWAY, HOST_MAC)))).orThrow();
        }
        hostRtnl.execute(List.of(
                new Request.AddRoute(Route.to(podIp).withDevice(hostIndex).withScope(RouteScope.LINK).withProtocol(RouteProtocol.VIADUCT)),
                new Request.AddRoute(Route.to(podIp6).withDevice(hostIndex).withProtocol(RouteProtocol.VIADUCT)),
                new Request.UpdateLink(hostIndex, LinkUpdate.none().withIpv4Conf(Ipv4Conf.PROXY_ARP, 1)),
                new Request.SetProxyDelay(AddressFamily.INET, hostIndex, Duration.ZERO))).orThrow();
        Sysctl.set(host, "net.ipv4.ip_forward", "1");
        return hostIndex;
    }

    @Test
    void aPodProgrammedThroughTheLibraryReachesItsHost() {
        String hostIf = "vdc" + HexFormat.of().toHexDigits(0x1234_5678_9abL).substring(5);
        long t0 = System.nanoTime();
        int hostIndex = addPod(hostIf, IpPrefix.parse("10.244.0.7/32"), IpPrefix.parse("fd00:244::7/128"));
        long micros = (System.nanoTime() - t0) / 1000;
        System.out.println("pod dataplane programmed in " + micros + " us (informational; not asserted)");

        JsonNode eth0 = Ip.link(podName, "eth0");
        assertThat(eth0.get("mtu").asInt()).isEqualTo(1450);
        assertThat(Ip.json(podName, "-4", "route", "show").toString())
                .contains("\"dst\":\"default\"", "\"gateway\":\"169.254.1.1\"", "\"dst\":\"169.254.1.1\"");
        assertThat(Ip.json(podName, "neigh", "show", "169.254.1.1").get(0).get("lladdr").asString()).isEqualTo("ee:ee:ee:ee:ee:ee");
        assertThat(Ip.json(hostName, "-4", "route", "show", "proto", "86").get(0).get("dev").asString()).isEqualTo(hostIf);
        assertThat(Ip.sysctl(hostName, "net.ipv4.conf." + hostIf + ".proxy_arp")).isEqualTo("1");
        assertThat(Ip.sysctl(hostName, "net.ipv4.neigh." + hostIf + ".proxy_delay")).isEqualTo("0");
        assertThat(Ip.sysctl(hostName, "net.ipv4.ip_forward")).isEqualTo("1");
        assertThat(hostRtnl.link(hostIndex).orElseThrow().operState()).isEqualTo(OperState.UP);

        Cmd.Result ping = Cmd.run(Duration.ofSeconds(20), null, "ip", "netns", "exec", podName, "ping", "-c", "1", "-W", "5", "10.0.0.1");
        assertThat(ping.exitCode()).as("pod → host ping: %s %s", ping.stdout(), ping.stderr()).isZero();
    }

    @Test
    void deletingTheHostVethUndoesEverything() {
        int hostIndex = addPod("vdc00000000001", IpPrefix.parse("10.244.0.8/32"), IpPrefix.parse("fd00:244::8/128"));
        hostRtnl.deleteLink(hostIndex);
        assertThat(Ip.hasLink(podName, "eth0")).isFalse();
        assertThat(Ip.hasLink(hostName, "vdc00000000001")).isFalse();
        assertThat(Ip.json(hostName, "route", "show", "proto", "86").size()).isZero();
        assertThat(Ip.json(hostName, "-6", "route", "show", "proto", "86").size()).isZero();
        assertThat(Ip.json(podName, "-4", "route", "show").size()).isZero();
        assertThat(hostRtnl.routes(AddressFamily.INET, 0, RouteProtocol.VIADUCT)).isEmpty();
    }

    @Test
    void settingUpOneHundredPodsAtOnceWorksFromVirtualThreads() throws Exception {
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                done.add(exec.submit(() -> {
                    String podNs = netns.create("p" + n);
                    try (NetNamespace p = NetNamespace.open(Netns.path(podNs)); Rtnl podRtnl = p.openRtnl()) {
                        String hostIf = String.format("vdc%011x", n);
                        hostRtnl.addLink(LinkSpec.veth(LinkSettings.named("eth0").inNamespace(p).withUp(true),
                                LinkSettings.named(hostIf).withAddress(HOST_MAC).withUp(true)));
                        int eth0 = podRtnl.link("eth0").orElseThrow().index();
                        IpPrefix podIp = IpPrefix.parse("10.245." + (n / 200) + "." + (n % 200 + 1) + "/32");
                        podRtnl.execute(List.of(new Request.AddAddress(Address.of(podIp, eth0)),
                                new Request.AddRoute(Route.to(IpPrefix.host(GATEWAY)).withDevice(eth0).withScope(RouteScope.LINK)),
                                new Request.AddRoute(Route.to(IpPrefix.parse("0.0.0.0/0")).withGateway(GATEWAY).withDevice(eth0)),
                                new Request.AddNeighbour(Neighbour.permanent(eth0, GATEWAY, HOST_MAC)))).orThrow();
                        int hostIndex = hostRtnl.link(hostIf).orElseThrow().index();
                        hostRtnl.execute(List.of(new Request.AddRoute(Route.to(podIp).withDevice(hostIndex)
                                .withScope(RouteScope.LINK).withProtocol(RouteProtocol.VIADUCT)),
                                new Request.UpdateLink(hostIndex, LinkUpdate.none().withIpv4Conf(Ipv4Conf.PROXY_ARP, 1)))).orThrow();
                        return hostIndex;
                    }
                }));
            }
            for (var f : done) {
                assertThat(f.get()).isPositive();
            }
        }
        assertThat(hostRtnl.routes(AddressFamily.INET, Route.MAIN, RouteProtocol.VIADUCT)).hasSize(100);
        assertThat(Ip.json(hostName, "-4", "route", "show", "proto", "86").size()).isEqualTo(100);
        assertThat(Ip.json(hostName, "link", "show", "type", "veth").size()).isEqualTo(100);
    }
}
