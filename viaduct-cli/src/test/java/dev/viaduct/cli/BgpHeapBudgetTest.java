package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code viaduct bgp --heap-budget}: what bin/viaduct reads before it starts the speaker's JVM with -Xmx. */
class BgpHeapBudgetTest {
    @TempDir
    Path dir;

    private int run(StringWriter out, StringWriter err, String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void printsTheBudgetOfTheConfigurationAsAnXmxValue() throws Exception {
        Path f = dir.resolve("bgp.yaml");
        Files.writeString(f, """
                asn: 65000
                routerId: 10.0.0.1
                expectedRoutes: {ipv4-unicast: 1000000}
                peers:
                  - {address: 10.0.0.2, asn: 65000, passive: true, export: {default: reject}}
                """);
        StringWriter out = new StringWriter();
        assertThat(run(out, new StringWriter(), "bgp", "--config", f.toString(), "--heap-budget")).isZero();
        assertThat(out.toString().strip()).isEqualTo("59m");
        Files.writeString(f, "asn: 65000\nrouterId: 10.0.0.1\n");
        StringWriter unsized = new StringWriter();
        assertThat(run(unsized, new StringWriter(), "bgp", "--config", f.toString(), "--heap-budget")).isZero();
        assertThat(unsized.toString().strip()).isEqualTo("256m");
    }

    @Test
    void aBadFileIsAUsageErrorNamingTheField() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "asn: 65000\nrouterId: 10.0.0.1\nexpectedRoutes: {ipv4-unicast: -1}\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "bgp", "--config", f.toString(), "--heap-budget")).isEqualTo(Main.EXIT_USAGE);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains("expectedRoutes.ipv4-unicast: must be an integer 0..100000000");
    }
}
