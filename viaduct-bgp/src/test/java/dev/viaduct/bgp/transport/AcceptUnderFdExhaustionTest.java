package dev.viaduct.bgp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Cmd;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A listener keeps accepting through a descriptor shortage: {@link FdExhaustionProbe} runs in its own JVM
 * with {@code ulimit -n 256} (the test JVM's own table stays untouched), fills the table while a connection is
 * queued, and checks that accept waits out EMFILE and then returns that connection.
 */
class AcceptUnderFdExhaustionTest {
    @Test
    void acceptWaitsOutEmfileAndThenReturnsTheQueuedConnection() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Cmd.Result r = Cmd.run(Duration.ofSeconds(60), null, "bash", "-c",
                "ulimit -n 256 && exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" " + FdExhaustionProbe.class.getName(), java, cp);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String out = r.stdout();
        assertThat(out).as("the probe filled the descriptor table: %s", out).containsPattern("held=[1-9]");
        assertThat(out).as("accept met EMFILE and kept trying: %s / %s", out, r.stderr()).containsPattern("deferred=[1-9]")
                .contains("during=waiting");
        String accepted = out.lines().filter(l -> l.startsWith("accepted=")).findFirst().orElseThrow(() -> new AssertionError(out + r.stderr()));
        String[] parts = accepted.substring("accepted=".length()).split(" expected=");
        assertThat(parts[0]).as("the queued connection was accepted once descriptors were free").isEqualTo(parts[1]);
    }
}
