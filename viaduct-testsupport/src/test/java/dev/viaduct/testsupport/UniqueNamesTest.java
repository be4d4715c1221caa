package dev.viaduct.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UniqueNamesTest {
    @Test
    void linkNamesFitIfnamsizAndAreUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String n = UniqueNames.link("a-long-label-that-does-not-fit");
            assertThat(n.length()).isLessThanOrEqualTo(15);
            assertThat(seen.add(n)).as("unique: %s", n).isTrue();
        }
    }

    @Test
    void namesCarryThisJvmsPid() {
        long pid = ProcessHandle.current().pid();
        assertThat(UniqueNames.pidOf(UniqueNames.namespace("x"))).isEqualTo(pid);
        assertThat(UniqueNames.pidOf(UniqueNames.link("x"))).isEqualTo(pid);
        assertThat(UniqueNames.pidOf("eth0")).isEqualTo(-1);
        assertThat(UniqueNames.pidOf("vtx")).isEqualTo(-1);
        assertThat(UniqueNames.pidOf("vt12")).isEqualTo(-1);
    }
}
