package dev.viaduct.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Permanent neighbours and VXLAN FDB entries, checked with {@code ip -j neigh} and {@code bridge -j fdb}. */
@Tag("root")
class NeighboursKernelTest extends KernelTestBase {
    private static final HardwareAddress MAC = HardwareAddress.parse("ee:ee:ee:ee:ee:ee");

    private JsonNode ipNeigh(String family, String dev, String dst) {
        for (JsonNode n : Ip.json(ns, family, "neigh", "show", "dev", dev)) {
            if (n.get("dst").asString().equals(dst)) {
                return n;
            }
        }
        return null;
    }

    @Test
    void addsReplacesAndDeletesPermanentIpv4AndIpv6Neighbours() {
        // The pod's gateway: 169.254.1.1 → the host veth's MAC, so the first packet needs no ARP.
        Neighbour gw = Neighbour.permanent(r0, ip("169.254.1.1"), MAC);
        Neighbour v6 = Neighbour.permanent(r0, ip("fe80::1"), MAC);
        rtnl.addNeighbour(gw);
        rtnl.addNeighbour(v6);

        assertThat(rtnl.neighbours(AddressFamily.INET, r0)).contains(gw);
        assertThat(rtnl.neighbours(AddressFamily.INET6, r0)).contains(v6);
        assertThat(rtnl.neighbours(AddressFamily.INET, r1)).doesNotContain(gw);
        JsonNode ip = ipNeigh("-4", "r0", "169.254.1.1");
        assertThat(ip.get("lladdr").asString()).isEqualTo("ee:ee:ee:ee:ee:ee");
        assertThat(ip.get("state").valueStream().map(JsonNode::asString)).containsExactly("PERMANENT");
        assertThat(ipNeigh("-6", "r0", "fe80::1").get("lladdr").asString()).isEqualTo("ee:ee:ee:ee:ee:ee");

        HardwareAddress other = HardwareAddress.parse("02:00:00:00:00:01");
        rtnl.replaceNeighbour(Neighbour.permanent(r0, ip("169.254.1.1"), other));
        assertThat(rtnl.neighbours(AddressFamily.INET, r0)).contains(Neighbour.permanent(r0, ip("169.254.1.1"), other));
        assertThat(ipNeigh("-4", "r0", "169.254.1.1").get("lladdr").asString()).isEqualTo("02:00:00:00:00:01");

        rtnl.deleteNeighbour(gw);
        rtnl.deleteNeighbour(v6);
        assertThat(ipNeigh("-4", "r0", "169.254.1.1")).isNull();
        assertThat(ipNeigh("-6", "r0", "fe80::1")).isNull();
        assertThat(rtnl.neighbours(AddressFamily.INET, r0)).extracting(Neighbour::destination).doesNotContain(ip("169.254.1.1"));
    }

    @Test
    void programsTheVxlanFdbWithPermanentSelfEntries() {
        rtnl.addLink(LinkSpec.vxlan(LinkSettings.named("vx0").withUp(true), 42, ip("10.1.0.1")).withUnderlay(r0));
        int vx = rtnl.link("vx0").orElseThrow().index();
        HardwareAddress remoteVtep = HardwareAddress.parse("66:00:00:00:00:02");
        Neighbour fdb = Neighbour.fdb(vx, remoteVtep, ip("10.1.0.2"));
        Neighbour arp = Neighbour.permanent(vx, ip("10.244.2.0"), remoteVtep);
        rtnl.addNeighbour(fdb);
        rtnl.addNeighbour(arp);
        // head-end replication: the all-zeros entry lists every remote VTEP
        HardwareAddress zeros = HardwareAddress.parse("00:00:00:00:00:00");
        rtnl.appendNeighbour(Neighbour.fdb(vx, zeros, ip("10.1.0.2")));
        rtnl.appendNeighbour(Neighbour.fdb(vx, zeros, ip("10.1.0.3")));

        List<Neighbour> entries = rtnl.neighbours(AddressFamily.BRIDGE, vx);
        assertThat(entries).contains(fdb);
        assertThat(entries).filteredOn(n -> n.linkAddress().equals(zeros)).extracting(Neighbour::destination)
                .containsExactlyInAnyOrder(ip("10.1.0.2"), ip("10.1.0.3"));
        assertThat(rtnl.neighbours(AddressFamily.INET, vx)).contains(arp);

        JsonNode bridge = Ip.bridge(ns, "fdb", "show", "dev", "vx0");
        assertThat(bridge.valueStream().filter(e -> e.get("mac").asString().equals("66:00:00:00:00:02")))
                .singleElement().satisfies(e -> {
                    assertThat(e.get("dst").asString()).isEqualTo("10.1.0.2");
                    assertThat(e.get("state").asString()).isEqualTo("permanent");
                    assertThat(e.get("flags").valueStream().map(JsonNode::asString)).contains("self");
                });
        assertThat(bridge.valueStream().filter(e -> e.get("mac").asString().equals("00:00:00:00:00:00"))
                .map(e -> e.get("dst").asString())).containsExactlyInAnyOrder("10.1.0.2", "10.1.0.3");
        assertThat(ipNeigh("-4", "vx0", "10.244.2.0").get("lladdr").asString()).isEqualTo("66:00:00:00:00:02");

        rtnl.deleteNeighbour(fdb);
        assertThat(rtnl.neighbours(AddressFamily.BRIDGE, vx)).doesNotContain(fdb);
        assertThat(Ip.bridge(ns, "fdb", "show", "dev", "vx0").toString()).doesNotContain("66:00:00:00:00:02");
    }

    @Test
    void errorsNameTheRequest() {
        Neighbour n = Neighbour.permanent(r0, ip("10.1.0.9"), MAC);
        rtnl.addNeighbour(n);
        assertThatThrownBy(() -> rtnl.addNeighbour(n)).isInstanceOf(NetlinkException.AlreadyExists.class)
                .hasMessageStartingWith("neigh add 10.1.0.9 lladdr ee:ee:ee:ee:ee:ee dev #" + r0 + " permanent: File exists");
        NetlinkException absent = catchThrowableOfType(NetlinkException.NotFound.class,
                () -> rtnl.deleteNeighbour(Neighbour.permanent(r0, ip("10.1.0.8"), MAC)));
        assertThat(absent.errnoName()).isEqualTo("ENOENT");
        NetlinkException noDevice = catchThrowableOfType(NetlinkException.NotFound.class,
                () -> rtnl.addNeighbour(Neighbour.permanent(987654, ip("10.1.0.7"), MAC)));
        assertThat(noDevice.errnoName()).isEqualTo("ENODEV");
    }
}
