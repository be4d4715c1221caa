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
