package dev.viaduct.agent.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.node.NodeRecord;
import dev.viaduct.agent.node.Uplink;
import dev.viaduct.ipam.EncapMode;
import dev.viaduct.netlink.HardwareAddress;
import dev.viaduct.sys.net.IpAddresses;
import dev.viaduct.sys.net.IpPrefix;
import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OverlayControllerTest {
    static final Duration T = Duration.ofSeconds(5);
    static final Uplink UPLINK = new Uplink("eth0", 2, 1500, List.of(IpPrefix.parse("10.168.0.11/24")));

    final FakeOverlayKernel kernel = new FakeOverlayKernel();
    final FakeTunnelAddresses ipam = new FakeTunnelAddresses();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final AtomicReference<Optional<NodeRecord.Vtep>> published = new AtomicReference<>(Optional.empty());
    final AtomicReference<LocalTunnels> tunnels = new AtomicReference<>();
    OverlayController c;

    OverlayController controller(Optional<NodeRecord.Vtep> initial) throws Exception {
        published.set(initial);
        c = new OverlayController("n1", UPLINK, kernel, ipam, initial, v -> {
            // what a peer sees, in order with the kernel's changes
            events.add("publish " + v.map(NodeRecord.Vtep::address).orElse("none") + " (device "
                    + (kernel.device("vxlan.viaduct").isPresent() ? "present" : "absent") + ")");
            published.set(v);
        }, tunnels::set, 0, Duration.ofMinutes(10));
        c.start();
        return c;
    }

    @AfterEach
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    static List<PoolSettings> pools(EncapMode vxlan, EncapMode ipip) {
        return List.of(new PoolSettings(IpPrefix.parse("10.244.0.0/16"), vxlan, ipip, false));
    }

    static VxlanPeer peer(String node, String vtep, String mac, String underlay) {
        return new VxlanPeer(node, IpAddresses.parse(vtep), HardwareAddress.parse(mac), IpAddresses.parse(underlay));
    }

    @Test
    void vxlanComesUpPublishesItsVtepAndProgramsPeerEntries() throws Exception {
        controller(Optional.empty());
        c.setPools(pools(EncapMode.CROSS_SUBNET, EncapMode.NEVER));
        Poll.until("VTEP published", T, () -> published.get().isPresent());
        TunnelDevice d = kernel.device("vxlan.viaduct").orElseThrow();
        assertThat(d.vni()).isEqualTo(4096);
        assertThat(d.port()).isEqualTo(4789);
        assertThat(d.learning()).isFalse();
        assertThat(d.local()).isEqualTo(IpAddresses.parse("10.168.0.11"));
        assertThat(d.mtu()).isEqualTo(1450);
        assertThat(d.mac()).isEqualTo(OverlayController.vtepMac("n1"));
        assertThat(d.addresses()).containsExactly(IpPrefix.parse("10.244.0.1/32"));
        assertThat(published.get().orElseThrow()).isEqualTo(new NodeRecord.Vtep("10.244.0.1", OverlayController.vtepMac("n1").toString()));
        assertThat(ipam.held).containsOnlyKeys("vxlan-tunnel-addr-n1");
        // the device exists before peers are told about it
        assertThat(events).containsExactly("publish 10.244.0.1 (device present)");
        Poll.until("tunnels ready", T, () -> tunnels.get() != null && tunnels.get().vxlanReady());
        assertThat(c.podMtu()).isEqualTo(1450);

        c.setVxlanPeers(List.of(peer("n3", "10.244.1.1", "66:00:00:00:00:03", "10.168.1.13")));
        Poll.until("entries for n3", T, () -> kernel.entriesOf("vxlan.viaduct"), s -> s.size() == 2);
        assertThat(kernel.entriesOf("vxlan.viaduct")).containsExactlyInAnyOrder(
                new VxlanEntry.Arp(IpAddresses.parse("10.244.1.1"), HardwareAddress.parse("66:00:00:00:00:03")),
                new VxlanEntry.Fdb(HardwareAddress.parse("66:00:00:00:00:03"), IpAddresses.parse("10.168.1.13")));

        // n3 re-created its device (new MAC) and moved: entries follow, the old ones go
        c.setVxlanPeers(List.of(peer("n3", "10.244.1.1", "66:00:00:00:00:33", "10.168.1.23")));
        Poll.until("entries for n3's new MAC", T, () -> kernel.entriesOf("vxlan.viaduct"), s -> s.equals(java.util.Set.of(
                new VxlanEntry.Arp(IpAddresses.parse("10.244.1.1"), HardwareAddress.parse("66:00:00:00:00:33")),
                new VxlanEntry.Fdb(HardwareAddress.parse("66:00:00:00:00:33"), IpAddresses.parse("10.168.1.23")))));
    }

    @Test
    void anIpv6PoolRidesTheSameDeviceAndLeavesThePoolsOwnIpv4AddressWithTheIpv4Pool() throws Exception {
        controller(Optional.empty());
        var v4 = new PoolSettings(IpPrefix.parse("10.244.0.0/16"), EncapMode.CROSS_SUBNET, EncapMode.NEVER, false);
        var v6 = new PoolSettings(IpPrefix.parse("fd00:244::/112"), EncapMode.CROSS_SUBNET, EncapMode.NEVER, false);
        c.setPools(List.of(v4, v6));
        Poll.until("VTEP published", T, () -> published.get().isPresent());
        assertThat(kernel.device("vxlan.viaduct").orElseThrow().local()).isEqualTo(IpAddresses.parse("10.168.0.11"));
        assertThat(published.get().orElseThrow().address()).isEqualTo("10.244.0.1");
        // IPv4 and IPv6 neighbour entries of one peer share its single FDB entry (one MAC, one underlay)
        c.setVxlanPeers(List.of(peer("n3", "10.244.1.1", "66:00:00:00:00:03", "10.168.1.13"),
                peer("n3", "fe80::6400:ff:fe00:3", "66:00:00:00:00:03", "10.168.1.13")));
        Poll.until("entries for n3", T, () -> kernel.entriesOf("vxlan.viaduct"), s -> s.size() == 3);
        assertThat(kernel.entriesOf("vxlan.viaduct")).contains(
                new VxlanEntry.Arp(IpAddresses.parse("fe80::6400:ff:fe00:3"), HardwareAddress.parse("66:00:00:00:00:03")));

        // only the IPv6 pool keeps VXLAN: the device stays, its IPv4 VTEP address goes back to IPAM, and the VTEP
        // published is the device's link-local address (what peers route IPv6 blocks to)
        c.setPools(List.of(new PoolSettings(v4.cidr(), EncapMode.NEVER, EncapMode.NEVER, false), v6));
        Poll.until("IPv4 VTEP address released", T, () -> ipam.held.isEmpty());
        Poll.until("device without addresses", T, () -> kernel.device("vxlan.viaduct").orElseThrow().addresses().isEmpty());
        Poll.until("link-local VTEP published", T, () -> published.get().map(NodeRecord.Vtep::address),
                a -> a.equals(Optional.of(IpAddresses.format(IpAddresses.linkLocal(OverlayController.vtepMac("n1").bytes())))));
        assertThat(c.problems()).isEmpty();
    }

    @Test
    void anIpv6PoolAskingForIpipIsReportedAndRoutedNatively() throws Exception {
        controller(Optional.empty());
        c.setPools(List.of(new PoolSettings(IpPrefix.parse("fd00:244::/112"), EncapMode.NEVER, EncapMode.ALWAYS, false)));
        Poll.until("problem reported", T, () -> c.problems(), p -> p.containsKey("pool fd00:244::/112"));
        assertThat(c.problems().get("pool fd00:244::/112")).contains("IPIP carries IPv4 only");
        assertThat(kernel.devices).isEmpty();
    }

    @Test
    void staleEntriesAddedBehindOurBackAreRemovedAndDeletedOnesRestored() throws Exception {
        controller(Optional.empty());
        c.setPools(pools(EncapMode.ALWAYS, EncapMode.NEVER));
        c.setVxlanPeers(List.of(peer("n2", "10.244.0.65", "66:00:00:00:00:02", "10.168.0.12")));
        Poll.until("entries for n2", T, () -> kernel.entriesOf("vxlan.viaduct").size() == 2);
        synchronized (kernel) {
            var s = kernel.entries.get("vxlan.viaduct");
            s.add(new VxlanEntry.Arp(IpAddresses.parse("10.244.9.9"), HardwareAddress.parse("66:00:00:00:00:99")));
            s.removeIf(e -> e instanceof VxlanEntry.Fdb);
        }
        kernel.changed.run(); // what a neighbour event does
        Poll.until("drift repaired", T, () -> kernel.entriesOf("vxlan.viaduct"), s -> s.equals(java.util.Set.of(
                new VxlanEntry.Arp(IpAddresses.parse("10.244.0.65"), HardwareAddress.parse("66:00:00:00:00:02")),
                new VxlanEntry.Fdb(HardwareAddress.parse("66:00:00:00:00:02"), IpAddresses.parse("10.168.0.12")))));
    }

    @Test
    void switchingToNeverWithdrawsTheVtepFirstThenRemovesDeviceAndAddress() throws Exception {
        controller(Optional.empty());
        c.setPools(pools(EncapMode.ALWAYS, EncapMode.NEVER));
        Poll.until("VTEP published", T, () -> published.get().isPresent());
        c.setPools(pools(EncapMode.NEVER, EncapMode.NEVER));
        Poll.until("device gone", T, () -> kernel.devices.isEmpty() && ipam.held.isEmpty());
        assertThat(events).containsExactly("publish 10.244.0.1 (device present)", "publish none (device present)");
        Poll.until("tunnels not ready", T, () -> !tunnels.get().vxlanReady());
        assertThat(c.podMtu()).isEqualTo(1500);
        assertThat(c.problems()).isEmpty();
    }

    @Test
    void aRestartedAgentAdoptsTheRunningDeviceWithoutChurn() throws Exception {
        // what a previous run left: device, address, entries
        HardwareAddress mac = OverlayController.vtepMac("n1");
        kernel.createVxlan("vxlan.viaduct", 4096, IpAddresses.parse("10.168.0.11"), 4789, mac, 1450);
        kernel.addAddress("vxlan.viaduct", IpPrefix.parse("10.244.0.7/32"));
        ipam.held.put("vxlan-tunnel-addr-n1", IpAddresses.parse("10.244.0.7"));
        var entry = new VxlanEntry.Arp(IpAddresses.parse("10.244.1.1"), HardwareAddress.parse("66:00:00:00:00:03"));
        kernel.applyEntries("vxlan.viaduct", List.of(entry), List.of());
        kernel.log.clear();

        Optional<NodeRecord.Vtep> existing = OverlayController.existingVtep(kernel, "n1");
        assertThat(existing).contains(new NodeRecord.Vtep("10.244.0.7", mac.toString()));
        controller(existing);
        c.setPools(pools(EncapMode.CROSS_SUBNET, EncapMode.NEVER));
        Poll.until("first pass", T, () -> c.synced() && tunnels.get() != null);
        // the route source's plan has not arrived: the entries must stay as they are
        assertThat(kernel.entriesOf("vxlan.viaduct")).containsExactly(entry);
        assertThat(kernel.log).isEmpty();
        assertThat(events).isEmpty();
        assertThat(c.deviceChanges.get()).isZero();
    }

    @Test
    void aChangedNodeAddressRecreatesTheDeviceWithTheNewLocalAddress() throws Exception {
        controller(Optional.empty());
        c.setPools(pools(EncapMode.ALWAYS, EncapMode.NEVER));
        Poll.until("device", T, () -> kernel.device("vxlan.viaduct").isPresent());
        c.setUplink(new Uplink("eth0", 2, 9000, List.of(IpPrefix.parse("10.168.0.99/24"))));
        Poll.until("device follows the uplink", T, () -> kernel.device("vxlan.viaduct").orElseThrow(),
                d -> d.local().equals(IpAddresses.parse("10.168.0.99")) && d.mtu() == 8950);
        assertThat(c.podMtu()).isEqualTo(8950);
    }

    @Test
    void ipipOnAKernelWithoutIpipIsReportedAndAllocatesNothing() throws Exception {
        kernel.ipipSupported = false;
        controller(Optional.empty());
        c.setPools(pools(EncapMode.NEVER, EncapMode.CROSS_SUBNET));
        // the problems are recorded just before the tunnel state is handed on: wait for both
        Poll.until("ipip problem reported", T, () -> c.problems().containsKey("ipip") && tunnels.get() != null);
        assertThat(c.problems().get("ipip")).contains("no ipip support");
        assertThat(tunnels.get().ipipReady()).isFalse();
        assertThat(tunnels.get().ipipProblem()).contains("no ipip support");
        assertThat(ipam.held).isEmpty();
        assertThat(c.podMtu()).isEqualTo(1480);
    }

    @Test
    void ipipUsesTunl0AndTakesItsAddressOffTheUndeletableFallbackDevice() throws Exception {
        kernel.fallbackTunl0 = true;
        controller(Optional.empty());
        c.setPools(pools(EncapMode.NEVER, EncapMode.ALWAYS));
        Poll.until("tunl0 up with an address", T, () -> kernel.device("tunl0"),
                d -> d.isPresent() && d.get().up() && d.get().addresses().equals(List.of(IpPrefix.parse("10.244.0.1/32"))));
        assertThat(kernel.device("tunl0").orElseThrow().mtu()).isEqualTo(1480);
        Poll.until("ipip ready", T, () -> tunnels.get() != null && tunnels.get().ipipReady());
        c.setPools(pools(EncapMode.NEVER, EncapMode.NEVER));
        Poll.until("tunl0 down without our address", T, () -> kernel.device("tunl0").orElseThrow(),
                d -> !d.up() && d.addresses().isEmpty());
        Poll.until("address released", T, () -> ipam.held.isEmpty());
    }

    @Test
    void ipamTroubleIsRetriedUntilItWorks() throws Exception {
        ipam.unreachable = true;
        controller(Optional.empty());
        c.setPools(pools(EncapMode.ALWAYS, EncapMode.NEVER));
        Poll.until("problem reported", T, () -> c.problems().containsKey("vxlan"));
        assertThat(c.problems().get("vxlan")).contains("etcd unreachable");
        assertThat(published.get()).isEmpty();
        ipam.unreachable = false;
        Poll.until("recovered after a retry", Duration.ofSeconds(10), () -> published.get().isPresent() && c.problems().isEmpty());
    }
}
