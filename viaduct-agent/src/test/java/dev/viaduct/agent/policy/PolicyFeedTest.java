package dev.viaduct.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.agent.pod.HostVethNames;
import dev.viaduct.ipam.Handle;
import dev.viaduct.sys.net.IpAddresses;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyFeedTest {
    @Test
    void aHandleIsAPodEndpointWhenItNamesThePod() {
        Handle pod = new Handle("k8s.c1.eth0", "n1", List.of(IpAddresses.parse("10.244.1.3")),
                Map.of("podNamespace", "prod", "pod", "web"), Instant.EPOCH);
        assertThat(PolicyFeed.endpoint(pod)).hasValueSatisfying(e -> {
            assertThat(e.namespace() + "/" + e.pod()).isEqualTo("prod/web");
            assertThat(e.node()).isEqualTo("n1");
            assertThat(e.hostVeth()).as("derived from the handle when not recorded").isEqualTo(HostVethNames.of("k8s.c1.eth0"));
            assertThat(e.addresses()).containsExactly(IpAddresses.parse("10.244.1.3"));
        });
        Handle tunnel = new Handle("vxlan.n1", "n1", List.of(IpAddresses.parse("10.244.1.0")), Map.of(), Instant.EPOCH);
        assertThat(PolicyFeed.endpoint(tunnel)).isEmpty();
    }
}
