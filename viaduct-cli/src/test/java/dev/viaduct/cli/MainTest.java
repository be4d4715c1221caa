package dev.viaduct.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void helpListsSubcommandsAndExitsZero() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Usage: viaduct").contains("help");
        assertThat(out.toString()).doesNotContain("aot-train");
    }

    @Test
    void unknownCommandIsOneLineWithHint() {
        assertThat(run("nonsense")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).containsExactly(
                "viaduct: unknown command 'nonsense' (see 'viaduct --help')");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void unknownOptionIsOneLineWithHint() {
        assertThat(run("--frobnicate")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("--frobnicate").contains("see 'viaduct --help'");
    }

    @Test
    void versionNamesTheBuild() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("viaduct ").contains("Java 25");
    }

    @Test
    void aCommandLineBuildsOnlyTheSubcommandItNames() {
        assertThat(Main.commandLine(new String[] {"ctl", "nodes"}).getSubcommands()).containsOnlyKeys("ctl");
        assertThat(Main.commandLine(new String[] {"--version"}).getSubcommands()).isEmpty();
        assertThat(Main.commandLine(new String[] {"help", "ctl"}).getSubcommands())
                .containsKeys("help", "agent", "bgp", "cni", "lab", "ctl", "bfdd");
        assertThat(Main.commandLine(new String[] {"--help"}).getSubcommands()).hasSameSizeAs(Main.commandLine().getSubcommands());
        assertThat(Main.commandLine(new String[] {"nonsense"}).getSubcommands()).hasSameSizeAs(Main.commandLine().getSubcommands());
    }

    @Test
    void aCtlCommandLineBuildsOnlyTheCtlSubcommandItNames() {
        assertThat(ctlSubcommands("ctl", "nodes", "--timeout", "1s")).containsOnlyKeys("nodes");
        assertThat(ctlSubcommands("ctl", "ipam", "show")).containsOnlyKeys("ipam");
        assertThat(ctlSubcommands("ctl", "ipam", "show").get("ipam").getSubcommands()).containsKeys("show", "check", "release");
        var all = new String[] {"nodes", "routes", "peers", "ipam", "explain", "bgp", "policy"};
        assertThat(ctlSubcommands("ctl")).containsOnlyKeys(all);
        assertThat(ctlSubcommands("ctl", "--help")).containsOnlyKeys(all);
        assertThat(ctlSubcommands("ctl", "nonsense")).containsOnlyKeys(all);
        assertThat(ctlSubcommands("help", "ctl")).containsOnlyKeys(all);
    }

    @Test
    void ctlUsageAndItsUnknownCommandErrorStillListEveryCtlCommand() {
        assertThat(run("ctl", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: viaduct ctl").contains("nodes").contains("explain").contains("policy");
        assertThat(run("ctl", "nonsense")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).containsExactly(
                "viaduct ctl: unknown command 'nonsense' (see 'viaduct ctl --help')");
    }

    private static java.util.Map<String, picocli.CommandLine> ctlSubcommands(String... args) {
        return Main.commandLine(args).getSubcommands().get("ctl").getSubcommands();
    }

    @Test
    void helpCommandStillReachesASubcommandsUsage() {
        assertThat(run("help", "ctl")).isZero();
        assertThat(out.toString()).contains("Usage: viaduct ctl");
    }
}
