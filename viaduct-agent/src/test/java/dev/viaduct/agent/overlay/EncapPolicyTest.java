package dev.viaduct.agent.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EncapPolicyTest {
    static final List<IpPrefix> CONNECTED = List.of(IpPrefix.parse("10.168.0.11/24"));
    static final LocalTunnels READY = new LocalTunnels(true, true, "");
    static final NodeRecord.Vtep VTEP = new NodeRecord.Vtep("10.244.7.1", "66:0a:0b:0c:0d:0e");

    static NodeRecord node(String name, String addr, NodeRecord.Vtep vtep) {
        return new NodeRecord(name, List.of(addr), "eth0", Map.of(), "host-gw", 0, vtep, "test");
    }

    static Optional<PoolSettings> pool(String vxlan, String ipip) {
        return Optional.of(new PoolSettings(IpPrefix.parse("10.244.0.0/16"), EncapMode.parse("vxlanMode", vxlan),
                EncapMode.parse("ipipMode", ipip), false));
    }

    /** The whole decision table: mode × peer placement, with both ends ready. */
    @ParameterizedTest(name = "vxlan={0} ipip={1} peer={2} -> {3}")
    @CsvSource(textBlock = """
            Never,       Never,       10.168.0.12/24, native via 10.168.0.12
            Never,       Never,       10.168.1.13/24, unroutable
            CrossSubnet, Never,       10.168.0.12/24, native via 10.168.0.12
            CrossSubnet, Never,       10.168.1.13/24, vxlan via 10.244.7.1 (node 10.168.1.13)
            Always,      Never,       10.168.0.12/24, vxlan via 10.244.7.1 (node 10.168.0.12)
            Always,      Never,       10.168.1.13/24, vxlan via 10.244.7.1 (node 10.168.1.13)
            Never,       CrossSubnet, 10.168.0.12/24, native via 10.168.0.12
            Never,       CrossSubnet, 10.168.1.13/24, ipip via 10.168.1.13
            Never,       Always,      10.168.0.12/24, ipip via 10.168.0.12
            Never,       Always,      10.168.1.13/24, ipip via 10.168.1.13
            """)
    void decisionTable(String vxlan, String ipip, String peerAddr, String expected) {
        PathToPeer p = EncapPolicy.decide(pool(vxlan.strip(), ipip.strip()), true, node("p", peerAddr.strip(), VTEP), CONNECTED,
                "eth0", READY);
        assertThat(p.describe()).startsWith(expected.strip());
    }

    @Test
    void offLinkPeerWithoutEncapsulationIsReportedWithAHint() {
        PathToPeer p = EncapPolicy.decide(pool("Never", "Never"), true, node("far", "10.168.1.13/24", null), CONNECTED, "eth0", READY);
        assertThat(p).isInstanceOf(PathToPeer.Unroutable.class);
        assertThat(((PathToPeer.Unroutable) p).reason()).contains("10.168.1.13 is not in a directly connected subnet of eth0 [10.168.0.0/24]")
                .contains("CrossSubnet");
    }

    @Test
    void aPeerWithoutVtepKeepsItsNativeRouteWhenOnLinkAndIsReportedWhenNot() {
        var onLink = EncapPolicy.decide(pool("Always", "Never"), true, node("n2", "10.168.0.12/24", null), CONNECTED, "eth0", READY);
        assertThat(onLink).isEqualTo(new PathToPeer.Native(IpAddresses.parse("10.168.0.12")));
        var offLink = EncapPolicy.decide(pool("CrossSubnet", "Never"), true, node("n3", "10.168.1.13/24", null), CONNECTED, "eth0",
                READY);
        assertThat(offLink.describe()).contains("has published no VXLAN tunnel endpoint");
    }

    @Test
    void ourDeviceNotReadyMeansNoVxlanYet() {
        var notReady = new LocalTunnels(false, false, "");
        var p = EncapPolicy.decide(pool("CrossSubnet", "Never"), true, node("n3", "10.168.1.13/24", VTEP), CONNECTED, "eth0", notReady);
        assertThat(p.describe()).contains("this node's VXLAN device is not ready yet");
        var same = EncapPolicy.decide(pool("Always", "Never"), true, node("n2", "10.168.0.12/24", VTEP), CONNECTED, "eth0", notReady);
        assertThat(same).isInstanceOf(PathToPeer.Native.class);
    }

    @Test
    void ipipUnavailableIsExplainedForOffLinkPeers() {
        var noIpip = new LocalTunnels(true, false, "this kernel has no ipip support (Unknown device type)");
        var p = EncapPolicy.decide(pool("Never", "CrossSubnet"), true, node("n3", "10.168.1.13/24", null), CONNECTED, "eth0", noIpip);
        assertThat(p.describe()).contains("tunl0 is not ready").contains("no ipip support");
    }

    @Test
    void unparsableVtepIsReportedNotThrown() {
        var bad = new NodeRecord.Vtep("not-an-ip", "66:0a:0b:0c:0d:0e");
        var p = EncapPolicy.decide(pool("CrossSubnet", "Never"), true, node("n3", "10.168.1.13/24", bad), CONNECTED, "eth0", READY);
        assertThat(p.describe()).contains("unparsable VTEP");
        var shortMac = new NodeRecord.Vtep("10.244.7.1", "66:0a");
        assertThat(EncapPolicy.decide(pool("CrossSubnet", "Never"), true, node("n3", "10.168.1.13/24", shortMac), CONNECTED, "eth0",
                READY).describe()).contains("not 6 bytes");
    }

    @Test
    void ipv6VxlanPoolsGoViaThePeersLinkLocalVtepOverTheIpv4Underlay() {
        var v6 = Optional.of(new PoolSettings(IpPrefix.parse("fd00:10::/64"), EncapMode.CROSS_SUBNET, EncapMode.NEVER, false));
        var connected = List.of(IpPrefix.parse("10.168.0.11/24"), IpPrefix.parse("fd00:168::11/64"));
        var near = new NodeRecord("n2", List.of("10.168.0.12/24", "fd00:168::12/64"), "eth0", Map.of(), "host-gw", 0, VTEP, "t");
        assertThat(EncapPolicy.decide(v6, false, near, connected, "eth0", READY))
                .isEqualTo(new PathToPeer.Native(IpAddresses.parse("fd00:168::12")));
        var far = new NodeRecord("n3", List.of("10.168.1.13/24", "fd00:168:1::13/64"), "eth0", Map.of(), "host-gw", 0, VTEP, "t");
        // 66:0a:0b:0c:0d:0e → fe80::640a:bff:fe0c:d0e (RFC 4291 App. A); the outer header stays IPv4
        assertThat(EncapPolicy.decide(v6, false, far, connected, "eth0", READY).describe())
                .isEqualTo("vxlan via fe80::640a:bff:fe0c:d0e (node 10.168.1.13)");
        assertThat(EncapPolicy.decide(Optional.empty(), true, near, connected, "eth0", READY)).isInstanceOf(PathToPeer.Native.class);
    }

    @Test
    void ipipPoolsOfIpv6AreRoutedNatively() {
        var v6 = Optional.of(new PoolSettings(IpPrefix.parse("fd00:10::/64"), EncapMode.NEVER, EncapMode.ALWAYS, false));
        var n = new NodeRecord("n2", List.of("10.168.0.12/24", "fd00:168::12/64"), "eth0", Map.of(), "host-gw", 0, VTEP, "t");
        var connected = List.of(IpPrefix.parse("10.168.0.11/24"), IpPrefix.parse("fd00:168::11/64"));
        assertThat(EncapPolicy.decide(v6, false, n, connected, "eth0", READY)).isInstanceOf(PathToPeer.Native.class);
    }

    @Test
    void theDecisionFollowsTheNodesAddresses() {
        NodeRecord n3 = node("n3", "10.168.1.13/24", VTEP);
        var before = EncapPolicy.decide(pool("CrossSubnet", "Never"), true, n3, CONNECTED, "eth0", READY);
        // the node's uplink gains an address in rack 2's subnet: n3 is now on-link
        var after = EncapPolicy.decide(pool("CrossSubnet", "Never"), true, n3,
                List.of(IpPrefix.parse("10.168.0.11/24"), IpPrefix.parse("10.168.1.111/24")), "eth0", READY);
        // or its prefix widens to cover both racks
        var wider = EncapPolicy.decide(pool("CrossSubnet", "Never"), true, n3, List.of(IpPrefix.parse("10.168.0.11/23")), "eth0", READY);
        assertThat(before).isInstanceOf(PathToPeer.Vxlan.class);
        assertThat(after).isEqualTo(new PathToPeer.Native(IpAddresses.parse("10.168.1.13")));
        assertThat(wider).isEqualTo(new PathToPeer.Native(IpAddresses.parse("10.168.1.13")));
    }

    @Test
    void mtuIsTheUplinksMinusTheLargestOverheadInUse() {
        assertThat(OverlayMtu.podMtu(0, 1500, List.of(), false)).isEqualTo(1500);
        assertThat(OverlayMtu.podMtu(0, 1500, List.of(TunnelKind.VXLAN), false)).isEqualTo(1450);
        assertThat(OverlayMtu.podMtu(0, 1500, List.of(TunnelKind.IPIP), false)).isEqualTo(1480);
        assertThat(OverlayMtu.podMtu(0, 1500, List.of(TunnelKind.VXLAN), true)).isEqualTo(1430);
        assertThat(OverlayMtu.podMtu(0, 1500, List.of(TunnelKind.IPIP), true)).isEqualTo(1460);
        assertThat(OverlayMtu.podMtu(0, 9000, List.of(TunnelKind.IPIP, TunnelKind.VXLAN), false)).isEqualTo(8950);
        assertThat(OverlayMtu.podMtu(1400, 1500, List.of(TunnelKind.VXLAN), false)).isEqualTo(1400);
        assertThat(OverlayMtu.deviceMtu(TunnelKind.VXLAN, 1500, false)).isEqualTo(1450);
    }

    @Test
    void tunnelHandlesAreNotPods() {
        assertThat(TunnelKind.VXLAN.addressHandle("n1")).isEqualTo("vxlan-tunnel-addr-n1");
        assertThat(TunnelKind.isTunnelHandle("vxlan-tunnel-addr-n1")).isTrue();
        assertThat(TunnelKind.isTunnelHandle("ipip-tunnel-addr-n1")).isTrue();
        assertThat(TunnelKind.isTunnelHandle("viaduct.abc.eth0")).isFalse();
    }

    @Test
    void vtepMacIsStableLocallyAdministeredUnicastAndPerNode() {
        var a = OverlayController.vtepMac("n1");
        assertThat(OverlayController.vtepMac("n1")).isEqualTo(a);
        assertThat(OverlayController.vtepMac("n2")).isNotEqualTo(a);
        assertThat(a.length()).isEqualTo(6);
        assertThat(a.bytes()[0] & 0x01).isZero();
        assertThat(a.bytes()[0] & 0x02).isEqualTo(2);
    }
}
