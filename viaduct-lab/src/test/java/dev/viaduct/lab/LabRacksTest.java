package dev.viaduct.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabRacksTest {
    static LabSpec spec(int nodes, int racks) {
        return LabSpec.defaults("t").withNodes(nodes).withRacks(racks);
    }

    static List<Integer> racksOf(LabSpec s) {
        List<Integer> r = new ArrayList<>();
        for (int i = 1; i <= s.nodes(); i++) {
            r.add(s.rackLayout().rackOf(i));
        }
        return r;
    }

    @Test
    void nodesFillRacksInOrderAsEvenlyAsPossible() {
        assertThat(racksOf(spec(4, 2))).containsExactly(1, 1, 2, 2);
        assertThat(racksOf(spec(3, 2))).containsExactly(1, 1, 2);
        assertThat(racksOf(spec(5, 3))).containsExactly(1, 1, 2, 2, 3);
        assertThat(racksOf(spec(3, 1))).containsExactly(1, 1, 1);
    }

    @Test
    void eachRackHasItsOwnSubnetBridgeAndRouterLeg() {
        LabSpec s = spec(4, 2).withSubnetBase("10.168.4");
        LabRacks r = s.rackLayout();
        assertThat(r.routed()).isTrue();
        assertThat(r.rack(1)).isEqualTo(new LabRacks.Rack(1, "br0", "10.168.4", "10.168.4.1", "eth0"));
        assertThat(r.rack(2).cidr()).isEqualTo("10.168.5.0/24");
        assertThat(r.routerNs()).isEqualTo("vlt-rt");
        assertThat(r.torNs(2)).isEqualTo("vlt-tor2");
        assertThat(s.nodeAddress(2)).isEqualTo("10.168.4.12");
        assertThat(s.nodeAddress(3)).isEqualTo("10.168.5.13");
        // one rack: the single segment exactly as before racks existed, no router
        assertThat(spec(3, 1).rackLayout().routed()).isFalse();
        assertThat(spec(3, 1).nodeAddress(3)).isEqualTo("10.168.0.13");
    }

    @Test
    void badShapesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> spec(4, 9)).hasMessageContaining("racks: 9 is out of range 1..8");
        assertThatThrownBy(() -> spec(4, 2).withSubnetBase("10.168.255")).hasMessageContaining("leaves no room for 2 racks");
        assertThatThrownBy(() -> spec(4, 1).withOverlay("Always", "CrossSubnet", false)).hasMessageContaining("at most one");
        assertThatThrownBy(() -> spec(4, 1).withOverlay("always", "Never", false)).hasMessageContaining("Never, CrossSubnet or Always");
    }

    @Test
    void stateFilesFromBeforeRacksStillLoad() throws Exception {
        String old = "{\"name\":\"t\",\"nodes\":3,\"podsPerNode\":2,\"subnetBase\":\"10.168.0\",\"podCidr\":\"10.244.0.0/16\","
                + "\"blockSize\":26,\"mode\":\"host-gw\",\"portmap\":false}";
        LabSpec s = tools.jackson.databind.json.JsonMapper.builder().build().readValue(old, LabSpec.class);
        assertThat(s.racks()).isEqualTo(1);
        assertThat(s.vxlanMode()).isEqualTo("Never");
        assertThat(s.natOutgoing()).isFalse();
    }
}
