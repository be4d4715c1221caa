package dev.viaduct.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

@Tag("root")
class NetnsTest {
    /** Filled by the inner test classes, which the tests below run through the JUnit testkit. */
    static final List<String> CREATED = new CopyOnWriteArrayList<>();
    static final List<Long> SPAWNED = new CopyOnWriteArrayList<>();

    @Test
    void removesNamespacesAndProcessesWhenTheTestBodyThrows() {
        Netns.requireRoot();
        CREATED.clear();
        SPAWNED.clear();

        var results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(ThrowingBody.class))
                .configurationParameter("junit.jupiter.conditions.deactivate", "*")
                .execute();

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(results.testEvents().failed().stream()
                .map(e -> e.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .getThrowable().orElseThrow().getMessage()))
                .containsExactly("boom");
        assertThat(CREATED).hasSize(2);
        for (String ns : CREATED) {
            assertThat(Path.of("/run/netns", ns)).doesNotExist();
        }
        assertThat(Cmd.ok("ip", "netns", "list")).doesNotContain(CREATED.get(0)).doesNotContain(CREATED.get(1));
        assertThat(SPAWNED).hasSize(1);
        Poll.until("spawned process to be gone", Duration.ofSeconds(5),
                () -> ProcessHandle.of(SPAWNED.get(0)).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void namespacesWorkAndCloseIsIdempotent() throws Exception {
        Netns.requireRoot();
        try (Netns n = Netns.perTest()) {
            String a = n.create("a");
            assertThat(Netns.path(a)).exists();
            assertThat(n.execOk(a, "ip", "-o", "link", "show", "lo")).contains("UP");
            assertThat(n.names()).containsExactly(a);
            n.close();
            assertThat(Netns.path(a)).doesNotExist();
            assertThat(n.names()).isEmpty();
        }
    }

    @Test
    void sweepRemovesNamespacesOfDeadJvms() {
        Netns.requireRoot();
        // a pid that cannot be alive: above the kernel's pid_max
        String orphan = UniqueNames.PREFIX + "99999999n1-orphan";
        Cmd.ok("ip", "netns", "add", orphan);
        try {
            assertThat(UniqueNames.pidOf(orphan)).isEqualTo(99999999L);
            Netns.deleteNamespace(orphan); // what sweepOrphans does per dead-JVM namespace
            assertThat(Files.exists(Netns.path(orphan))).isFalse();
        } finally {
            Cmd.run("ip", "netns", "del", orphan);
        }
    }

    static class ThrowingBody {
        @RegisterExtension
        Netns netns = Netns.perTest();

        @Test
        void body() {
            CREATED.add(netns.create("one"));
            String two = netns.create("two");
            CREATED.add(two);
            Process p = netns.spawn(two, Path.of("/dev/null"), "sleep", "600");
            SPAWNED.add(p.pid());
            throw new IllegalStateException("boom");
        }
    }
}
