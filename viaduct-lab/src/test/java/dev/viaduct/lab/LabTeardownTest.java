package dev.viaduct.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabTeardownTest {
    static LabState.Proc proc(String role, String node, long pid) {
        return new LabState.Proc(role, node, pid, 0, "/dev/null");
    }

    @Test
    void etcdStopsLastAndTheRestInTheOrderTheyStarted() {
        var bird = proc("bird", "tor1", 10);
        var etcd = proc("etcd", "", 11);
        var n1 = proc("agent", "n1", 12);
        var n2 = proc("agent", "n2", 13);
        assertThat(LabTeardown.stopOrder(List.of(bird, etcd, n1, n2))).containsExactly(bird, n1, n2, etcd);
    }

    @Test
    void podsGoBeforeTheirNodeAndUnrecordedNamespacesOfThisLabAreIncluded() {
        List<String> recorded = List.of("vlt-sw", "vlt-etcd", "vlt-n1", "vlt-n1-p1");
        // vlt-n2-p1 was created but the crash came before the state file said so; vlt1-n1 is another lab's
        List<String> present = List.of("vlt-sw", "vlt-n1", "vlt-n2-p1", "vlt1-n1", "other");
        assertThat(LabTeardown.removalOrder(recorded, present, "vlt-"))
                .containsExactly("vlt-n1-p1", "vlt-n2-p1", "vlt-etcd", "vlt-sw", "vlt-n1");
    }

    @Test
    void aLabIsAbandonedOnlyWhenItsOwnerProcessIsGone() {
        LabState s = new LabState();
        s.spec = LabSpec.defaults("t");
        s.ownerPid = 4242;
        assertThat(LabTeardown.abandoned(s, pid -> pid == 4242)).isFalse();
        assertThat(LabTeardown.abandoned(s, pid -> false)).isTrue();
    }
}
