package dev.viaduct.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LabDaemonsTest {
    @Test
    void anAgentConfigNamesItsNodeAddressStoreAndSocket() {
        LabSpec s = LabSpec.defaults("t").withNodes(4).withRacks(2).withSubnetBase("10.168.4");
        String yaml = LabDaemons.agentConfig(s, 3, Path.of("/run/viaduct/lab/t/n3"));
        assertThat(yaml)
                .contains("nodeName: n3\n")
                .contains("endpoints: [" + s.etcdEndpoint() + "]")
                .contains("mode: host-gw\n")
                .contains("podCidrs: [10.244.0.0/16]")
                // node 3 of 4 on two racks is in rack 2: its own /24
                .contains("address: 10.168.5.13/24\n")
                .contains("labels: {rack: r2}")
                .contains("socket: /run/viaduct/lab/t/n3/cni.sock")
                .contains("listen: \"10.168.5.13:9099\"");
    }

    @Test
    void aDualStackAgentConfigAddsTheIpv6PoolOnly() {
        LabSpec s = LabSpec.defaults("t").withSubnetBase("10.168.4");
        assertThat(LabDaemons.agentConfig(s, 1, Path.of("/n1"))).doesNotContain("podCidrsV6");
        String yaml = LabDaemons.agentConfig(s.withIpv6(true), 1, Path.of("/n1"));
        assertThat(yaml).contains("  podCidrs: [10.244.0.0/16]\n  blockSize: 26\n  podCidrsV6: [\"fd00:244::/112\"]\n  vxlanMode: Never\n")
                // the IPv6 node address is found on the uplink; the configured one stays IPv4
                .contains("address: 10.168.4.11/24\n");
    }

    @Test
    void dualStackAddressesAreTheIpv6TwinsOfTheIpv4Ones() {
        LabSpec s = LabSpec.defaults("t").withNodes(4).withRacks(2).withSubnetBase("10.168.4").withIpv6(true);
        assertThat(s.nodeAddressV6(3)).isEqualTo("fd00:10:168:5::13");
        assertThat(s.etcdAddressV6()).isEqualTo("fd00:10:168:4::2");
        assertThat(s.rackLayout().rack(2).cidrV6()).isEqualTo("fd00:10:168:5::/64");
        assertThat(s.rackLayout().rack(2).gatewayV6()).isEqualTo("fd00:10:168:5::1");
    }

    @Test
    void dualStackBirdConfigsCarryIpv6OverTheIpv4SessionsWithAnIpv6NextHop() {
        LabSpec s = LabSpec.defaults("t").withNodes(4).withRacks(2).withSubnetBase("10.168.4").withMode("bgp").withBgp("bird", 0);
        LabRacks racks = s.rackLayout();
        assertThat(LabBgp.torConfig(s, racks, racks.rack(2))).doesNotContain("ipv6");
        String tor = LabBgp.torConfig(s.withIpv6(true), racks, racks.rack(2));
        assertThat(tor).contains("filter to_nodes6 { if source = RTS_BGP && net ~ [ fd00:244::/112+ ] then accept; reject; }")
                .contains("ipv6 { import all; export filter to_nodes6; next hop self; next hop address fd00:10:168:5::1; };")
                .contains("protocol kernel { ipv6 {");
        assertThat(LabBgp.spineConfig(s.withIpv6(true), racks)).contains("next hop address " + LabBgp.spineAddressV6(s, 2) + ";");
    }

    @Test
    void inImageModeTheSocketIsTheManifestsAndTheLeaseTheAgentsDefault() {
        LabSpec s = LabSpec.defaults("t").withSubnetBase("10.168.4").withImage("localhost/viaduct:dev");
        String yaml = LabDaemons.agentConfig(s, 1, Path.of("/run/viaduct/lab/t/n1"));
        assertThat(yaml).doesNotContain("\nnodeName:").contains("socket: /run/viaduct/cni.sock\n").contains("leaseTtl: 15s\n")
                .contains("listen: \"10.168.4.11:9099\"");
        assertThat(LabDaemons.agentConfig(s.withImage(""), 1, Path.of("/run/viaduct/lab/t/n1"))).contains("leaseTtl: 5s\n");
    }

    @Test
    void anAgentIsReachedOnItsNodeAddress() {
        LabSpec s = LabSpec.defaults("t").withSubnetBase("10.168.4");
        assertThat(LabDaemons.agentUrl(s, "n2")).hasToString("http://10.168.4.12:9099");
    }
}
