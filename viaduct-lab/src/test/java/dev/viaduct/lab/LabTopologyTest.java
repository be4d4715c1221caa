package dev.viaduct.lab;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LabTopologyTest {
    @Test
    void anAttachedNamespaceLabelIsShortLowerCaseAndNotTheLabsOwn() {
        assertThatCode(() -> LabTopology.checkLabel("frr")).doesNotThrowAnyException();
        assertThatCode(() -> LabTopology.checkLabel("bird2abc")).doesNotThrowAnyException();
        for (String bad : new String[] {"", "2frr", "Frr", "frr-1", "toolonglabel", "sw", "etcd", "rt", "host", "n1", "n12"}) {
            assertThatThrownBy(() -> LabTopology.checkLabel(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
