package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.KernelFeatures;
import dev.viaduct.testsupport.Netns;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** Links in throw-away namespaces: every operation read back through the library and checked with {@code ip -j -d link}. */
@Tag("root")
class LinksKernelTest {
    @RegisterExtension
    final Netns netns = Netns.perTest();

    private String ns;
    private String other;
    private NetNamespace handle;
    private NetNamespace otherHandle;
    private Rtnl rtnl;

    @BeforeEach
    void setUp() {
        Netns.requireRoot();
        ns = netns.create("links");
        other = netns.create("links-peer");
        handle = NetNamespace.open(Netns.path(ns));
        otherHandle = NetNamespace.open(Netns.path(other));
        rtnl = handle.openRtnl();
    }

    @AfterEach
    void tearDown() {
        if (rtnl != null) {
            rtnl.close();
        }
        if (handle != null) {
            handle.close();
        }
        if (otherHandle != null) {
            otherHandle.close();
        }
    }

    @Test
    void listsAndGetsLinksLikeIp() {
        List<Link> links = rtnl.links();
        JsonNode ip = Ip.json(ns, "link", "show");
        assertThat(links).extracting(Link::name).containsExactlyInAnyOrderElementsOf(
                ip.valueStream().map(l -> l.get("ifname").asString()).toList());
        Link lo = rtnl.link("lo").orElseThrow();
        assertThat(lo.index()).isEqualTo(Ip.link(ns, "lo").get("ifindex").asInt());
        assertThat(lo.isUp()).isTrue();
        assertThat(lo.mtu()).isEqualTo(65536);
        assertThat(lo.info()).isEqualTo(new LinkInfo.None());
        assertThat(rtnl.link(lo.index())).contains(lo);
        assertThat(rtnl.link("nosuchlink")).isEmpty();
        assertThat(rtnl.link(987654)).isEmpty();
    }

    @Test
    void createsAVethPairWithThePeerDirectlyInAnotherNamespace() {
        HardwareAddress mac = HardwareAddress.parse("ee:ee:ee:00:00:01");
        // The agent's CNI ADD: eth0 straight into the pod namespace, the host end here, both up, MTU set.
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("eth0").inNamespace(otherHandle).withMtu(1450).withUp(true),
                LinkSettings.named("vdc0123456789a").withMtu(1450).withAddress(mac).withUp(true)));

        Link host = rtnl.link("vdc0123456789a").orElseThrow();
        assertThat(host.kind()).isEqualTo("veth");
        assertThat(host.mtu()).isEqualTo(1450);
        assertThat(host.address()).isEqualTo(mac);
        assertThat(host.isUp()).isTrue();
        assertThat(host.linkNetnsId()).as("the peer lives in another namespace").isGreaterThanOrEqualTo(0);
        assertThat(rtnl.link("eth0")).as("eth0 never appears on this side").isEmpty();

        JsonNode hostIp = Ip.link(ns, "vdc0123456789a");
        assertThat(hostIp.get("mtu").asInt()).isEqualTo(1450);
        assertThat(hostIp.get("address").asString()).isEqualTo("ee:ee:ee:00:00:01");
        assertThat(hostIp.get("flags").valueStream().map(JsonNode::asString)).contains("UP");
        assertThat(hostIp.get("linkinfo").get("info_kind").asString()).isEqualTo("veth");
        JsonNode podIp = Ip.link(other, "eth0");
        assertThat(podIp.get("mtu").asInt()).isEqualTo(1450);
        assertThat(podIp.get("flags").valueStream().map(JsonNode::asString)).contains("UP", "LOWER_UP");
        assertThat(podIp.get("link_index").asInt()).as("eth0's peer is the host end").isEqualTo(host.index());

        try (Rtnl pod = otherHandle.openRtnl()) {
            Link eth0 = pod.link("eth0").orElseThrow();
            assertThat(eth0.parentIndex()).isEqualTo(host.index());
            assertThat(eth0.operState()).isEqualTo(OperState.UP);
            assertThat(host.parentIndex()).isEqualTo(eth0.index());
        }
    }

    @Test
    void createsAVethPairWhosePeerIsInAThirdNamespace() {
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("a0"), LinkSettings.named("b0").inNamespace(otherHandle)));
        assertThat(rtnl.link("a0")).isPresent();
        assertThat(Ip.hasLink(other, "b0")).isTrue();
        assertThat(Ip.hasLink(ns, "b0")).isFalse();
    }

    @Test
    void aVethPeerCanBeCreatedUpOnlyOnTheSocketsSide() {
        assertThatThrownBy(() -> LinkSpec.veth(LinkSettings.named("a0"),
                LinkSettings.named("b0").inNamespace(otherHandle).withUp(true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("make the end in");
    }

    @Test
    void createsAVxlanDeviceForTheOverlay() {
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("under0").withUp(true), LinkSettings.named("under1")));
        Link under = rtnl.link("under0").orElseThrow();
        rtnl.addAddress(Address.of(IpPrefix.parse("192.168.50.1/24"), under.index()));
        HardwareAddress mac = HardwareAddress.parse("66:77:88:99:aa:bb");
        rtnl.addLink(LinkSpec.vxlan(LinkSettings.named("vxlan.vdc").withMtu(1450).withAddress(mac).withUp(true), 4096,
                InetAddress.ofLiteral("192.168.50.1")).withUnderlay(under.index()));

        Link vx = rtnl.link("vxlan.vdc").orElseThrow();
        assertThat(vx.info()).isEqualTo(new LinkInfo.Vxlan(4096, InetAddress.ofLiteral("192.168.50.1"), null, 4789, false,
                under.index(), 0));
        assertThat(vx.mtu()).isEqualTo(1450);
        assertThat(vx.address()).isEqualTo(mac);
        assertThat(vx.isUp()).isTrue();

        JsonNode ip = Ip.link(ns, "vxlan.vdc");
        JsonNode data = ip.get("linkinfo").get("info_data");
        assertThat(ip.get("linkinfo").get("info_kind").asString()).isEqualTo("vxlan");
        assertThat(data.get("id").asInt()).isEqualTo(4096);
        assertThat(data.get("local").asString()).isEqualTo("192.168.50.1");
        assertThat(data.get("port").asInt()).isEqualTo(4789);
        assertThat(data.get("learning").asBoolean()).isFalse();
        assertThat(data.get("link").asString()).isEqualTo("under0");
        assertThat(ip.get("mtu").asInt()).isEqualTo(1450);
        assertThat(ip.get("address").asString()).isEqualTo("66:77:88:99:aa:bb");
    }

    @Test
    void createsAnIpipTunnelWhereTheKernelHasIpip() {
        KernelFeatures.assumeLinkKind("ipip");
        rtnl.addLink(LinkSpec.ipip(LinkSettings.named("tunl1").withMtu(1480).withUp(true)));
        Link t = rtnl.link("tunl1").orElseThrow();
        assertThat(t.info()).isInstanceOf(LinkInfo.Ipip.class);
        assertThat(((LinkInfo.Ipip) t.info()).remote()).isNull();
        assertThat(Ip.link(ns, "tunl1").get("linkinfo").get("info_kind").asString()).isEqualTo("ipip");
        assertThat(Ip.link(ns, "tunl1").get("mtu").asInt()).isEqualTo(1480);
    }

    @Test
    void aLinkKindTheKernelLacksIsReportedAsUnsupportedNamingTheRequest() {
        org.junit.jupiter.api.Assumptions.assumeFalse(KernelFeatures.hasLinkKind("ipip"),
                "SKIPPED: this kernel has ipip, so the missing-kind error path cannot be exercised with it");
        assertThatThrownBy(() -> rtnl.addLink(LinkSpec.ipip(LinkSettings.named("tunl1"))))
                .isInstanceOf(NetlinkException.Unsupported.class)
                .hasMessageStartingWith("link add tunl1 type ipip: ");
        assertThat(Ip.hasLink(ns, "tunl1")).isFalse();
    }

    @Test
    void createsABridgeAndEnslavesAndReleasesAPort() {
        rtnl.addLink(LinkSpec.bridge(LinkSettings.named("br0").withUp(true)));
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("p0"), LinkSettings.named("p1")));
        Link br = rtnl.link("br0").orElseThrow();
        Link p0 = rtnl.link("p0").orElseThrow();
        assertThat(br.info()).isEqualTo(new LinkInfo.Bridge());
        assertThat(Ip.link(ns, "br0").get("linkinfo").get("info_kind").asString()).isEqualTo("bridge");

        rtnl.updateLink(p0.index(), LinkUpdate.none().withMaster(br.index()));
        assertThat(rtnl.link(p0.index()).orElseThrow().masterIndex()).isEqualTo(br.index());
        assertThat(Ip.link(ns, "p0").get("master").asString()).isEqualTo("br0");

        rtnl.updateLink(p0.index(), LinkUpdate.none().withMaster(0));
        assertThat(rtnl.link(p0.index()).orElseThrow().masterIndex()).isZero();
        assertThat(Ip.link(ns, "p0").has("master")).isFalse();
    }

    @Test
    void setsUpDownMtuMacAndNameInOneRequestEach() {
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("s0"), LinkSettings.named("s1")));
        int idx = rtnl.link("s0").orElseThrow().index();

        rtnl.updateLink(idx, LinkUpdate.none().withUp(true).withMtu(1300).withAddress(HardwareAddress.parse("02:00:00:00:00:42")));
        Link l = rtnl.link(idx).orElseThrow();
        assertThat(l.isUp()).isTrue();
        assertThat(l.mtu()).isEqualTo(1300);
        assertThat(l.address()).isEqualTo(HardwareAddress.parse("02:00:00:00:00:42"));
        JsonNode ip = Ip.link(ns, "s0");
        assertThat(ip.get("flags").valueStream().map(JsonNode::asString)).contains("UP");
        assertThat(ip.get("mtu").asInt()).isEqualTo(1300);
        assertThat(ip.get("address").asString()).isEqualTo("02:00:00:00:00:42");

        rtnl.updateLink(idx, LinkUpdate.none().withUp(false));
        assertThat(rtnl.link(idx).orElseThrow().isUp()).isFalse();
        assertThat(Ip.link(ns, "s0").get("flags").valueStream().map(JsonNode::asString)).doesNotContain("UP");

        rtnl.updateLink(idx, LinkUpdate.none().withName("renamed0"));
        assertThat(rtnl.link(idx).orElseThrow().name()).isEqualTo("renamed0");
        assertThat(Ip.hasLink(ns, "renamed0")).isTrue();
        assertThat(Ip.hasLink(ns, "s0")).isFalse();
    }

    @Test
    void movesALinkToAnotherNamespace() {
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("m0"), LinkSettings.named("m1")));
        int idx = rtnl.link("m1").orElseThrow().index();
        rtnl.updateLink(idx, LinkUpdate.none().withNamespace(otherHandle));
        assertThat(rtnl.link("m1")).isEmpty();
        assertThat(Ip.hasLink(ns, "m1")).isFalse();
        assertThat(Ip.hasLink(other, "m1")).isTrue();
        try (Rtnl there = otherHandle.openRtnl()) {
            assertThat(there.link("m1")).isPresent();
        }
    }

    @Test
    void deletesALinkAndItsPeer() {
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("d0"), LinkSettings.named("d1").inNamespace(otherHandle)));
        int idx = rtnl.link("d0").orElseThrow().index();
        rtnl.deleteLink(idx);
        assertThat(rtnl.link("d0")).isEmpty();
        assertThat(Ip.hasLink(ns, "d0")).isFalse();
        assertThat(Ip.hasLink(other, "d1")).as("a veth's peer goes with it").isFalse();
    }

    @Test
    void errorsNameTheRequestAndLeaveNothingBehind() {
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("e0"), LinkSettings.named("e1")));
        assertThatThrownBy(() -> rtnl.addLink(LinkSpec.veth(LinkSettings.named("e0"), LinkSettings.named("e2"))))
                .isInstanceOf(NetlinkException.AlreadyExists.class)
                .hasMessageStartingWith("link add e0 type veth peer e2: File exists (EEXIST");
        assertThat(Ip.hasLink(ns, "e2")).as("the failed pair left no peer behind").isFalse();

        NetlinkException missing = org.assertj.core.api.Assertions.catchThrowableOfType(NetlinkException.NotFound.class,
                () -> rtnl.deleteLink(987654));
        assertThat(missing.errnoName()).isEqualTo("ENODEV");
        assertThat(missing.operation()).isEqualTo("link del #987654");

        assertThatThrownBy(() -> rtnl.updateLink(987654, LinkUpdate.none().withMtu(1400)))
                .isInstanceOf(NetlinkException.NotFound.class).hasMessageStartingWith("link set #987654 mtu 1400: No such device");

        int e0 = rtnl.link("e0").orElseThrow().index();
        NetlinkException badMtu = org.assertj.core.api.Assertions.catchThrowableOfType(NetlinkException.class,
                () -> rtnl.updateLink(e0, LinkUpdate.none().withMtu(20)));
        assertThat(badMtu.errnoName()).isEqualTo("EINVAL");
        assertThat(badMtu.kernelMessage()).as("the kernel's extended ACK text is kept").isNotBlank();
        assertThat(Ip.link(ns, "e0").get("mtu").asInt()).isEqualTo(1500);
    }

    @Test
    void aFailedVethCreationNeverBringsUpAnotherDeviceWithThePeersName() {
        rtnl.addLink(LinkSpec.bridge(LinkSettings.named("victim")));
        rtnl.addLink(LinkSpec.veth(LinkSettings.named("e0"), LinkSettings.named("e1")));
        assertThatThrownBy(() -> rtnl.addLink(LinkSpec.veth(LinkSettings.named("e0").inNamespace(otherHandle).withUp(true),
                LinkSettings.named("victim").withUp(true)))).isInstanceOf(NetlinkException.AlreadyExists.class);
        assertThat(rtnl.link("victim").orElseThrow().isUp()).isFalse();
        assertThat(Ip.link(ns, "victim").get("flags").valueStream().map(JsonNode::asString)).doesNotContain("UP");
        assertThat(Ip.hasLink(other, "e0")).isFalse();

        BatchResult inBatch = rtnl.execute(List.of(new Request.AddLink(LinkSpec.veth(LinkSettings.named("e0"),
                LinkSettings.named("victim").withUp(true))), new Request.UpdateLink(rtnl.link("e1").orElseThrow().index(),
                LinkUpdate.none().withMtu(1400))));
        assertThat(inBatch.error(0)).isInstanceOf(NetlinkException.AlreadyExists.class);
        assertThat(inBatch.error(1)).isNull();
        assertThat(rtnl.link("victim").orElseThrow().isUp()).isFalse();
        assertThat(Ip.link(ns, "e1").get("mtu").asInt()).isEqualTo(1400);
    }

    @Test
    void badNamesAreRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> LinkSettings.named("a-name-that-is-too-long")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..15 bytes");
        assertThatThrownBy(() -> LinkSettings.named("a/b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'/'");
        assertThatThrownBy(() -> LinkSettings.named("a b")).isInstanceOf(IllegalArgumentException.class);
    }
}
