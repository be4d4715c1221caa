package dev.viaduct.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viaduct.policy.model.Protocol;
import org.junit.jupiter.api.Test;

class PortSpecTest {
    @Test
    void plainAndNamedPorts() {
        assertThat(PortSpec.parse("--port", "80/tcp")).isEqualTo(new PortSpec(null, 80, Protocol.TCP));
        assertThat(PortSpec.parseList("--ports", "serve-80-udp=80/udp, 53/UDP")).containsExactly(
                new PortSpec("serve-80-udp", 80, Protocol.UDP), new PortSpec(null, 53, Protocol.UDP));
        assertThat(PortSpec.parse("--port", "81/sctp").text()).isEqualTo("81/sctp");
    }

    @Test
    void badInputNamesTheOptionAndWhatIsWrong() {
        assertThatThrownBy(() -> PortSpec.parse("--port", "80")).hasMessageContaining("--port: '80' is not PORT/PROTOCOL");
        assertThatThrownBy(() -> PortSpec.parse("--port", "0/tcp")).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> PortSpec.parse("--ports", "Web=80/tcp")).hasMessageContaining("'Web' is not a port name");
        assertThatThrownBy(() -> PortSpec.parse("--ports", "a--b=80/tcp")).hasMessageContaining("is not a port name");
        assertThatThrownBy(() -> PortSpec.parse("--port", "80/icmp")).hasMessageContaining("tcp, udp or sctp");
    }
}
